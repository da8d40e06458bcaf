package server

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/session"
	"github.com/amanda-platform/amanda-backend/store"
)

// newSessionBackend picks where session data lives from SESSION_TYPE. The
// returned close function releases what the backend opened.
func newSessionBackend(ctx context.Context, cfg Config, db store.Store) (session.Backend, func() error, error) {
	noop := func() error { return nil }
	switch cfg.SessionType {
	case "sqlalchemy":
		return session.MapNotFound(db.Sessions(), store.ErrNotFound), noop, nil
	case "redis":
		opts, err := redis.ParseURL(cfg.SessionRedis)
		if err != nil {
			return nil, nil, fmt.Errorf("config: SESSION_REDIS is not a redis:// URL: %w", err)
		}
		// Lookups carry deadlines (the request's, or the socket's own):
		// a hung Redis must fail them at the deadline, not hold them.
		opts.ContextTimeoutEnabled = true
		client := redis.NewClient(opts)
		if err := client.Ping(ctx).Err(); err != nil {
			client.Close()
			return nil, nil, fmt.Errorf("server: unable to reach SESSION_REDIS: %w", err)
		}
		return session.NewRedisBackend(client, "session:"), client.Close, nil
	default:
		backend, err := session.NewFileBackend(cfg.SessionFileDir)
		if err != nil {
			return nil, nil, fmt.Errorf("server: unable to use SESSION_FILE_DIR: %w", err)
		}
		return backend, noop, nil
	}
}
