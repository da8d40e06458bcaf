package server

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/session"
	"github.com/amanda-platform/amanda-backend/store"
)

// newSessionBackend picks where session data lives from SESSION_TYPE. With
// redis it also returns the client (nil otherwise), for /ready to check
// and Close to release; it does not connect yet, so the service starts
// while Redis is down.
func newSessionBackend(cfg Config, db store.Store) (session.Backend, *redis.Client, error) {
	switch cfg.SessionType {
	case "sqlalchemy":
		return session.MapNotFound(db.Sessions(), store.ErrNotFound), nil, nil
	case "redis":
		opts, err := redis.ParseURL(cfg.SessionRedis)
		if err != nil {
			return nil, nil, fmt.Errorf("config: SESSION_REDIS is not a redis:// URL: %w", err)
		}
		// Lookups carry deadlines (the request's, or the socket's own):
		// a hung Redis must fail them at the deadline, not hold them.
		opts.ContextTimeoutEnabled = true
		client := redis.NewClient(opts)
		return session.NewRedisBackend(client, "session:"), client, nil
	default:
		backend, err := session.NewFileBackend(cfg.SessionFileDir)
		if err != nil {
			return nil, nil, fmt.Errorf("server: unable to use SESSION_FILE_DIR: %w", err)
		}
		return backend, nil, nil
	}
}

// newSessionManager is the service's cookie sessions on backend.
func newSessionManager(cfg Config, backend session.Backend) *session.Manager {
	return session.NewManager(backend, cfg.SecretKey, session.Options{
		CookieName: "session",
		Secure:     cfg.CookieSecure(),
		Permanent:  cfg.SessionPermanent,
	})
}
