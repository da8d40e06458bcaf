package server

import (
	"context"
	"errors"
	"log/slog"

	"github.com/amanda-platform/amanda-backend/session"
	"github.com/amanda-platform/amanda-backend/store"
)

// Storage is the database and the sessions, opened from the configuration
// as the service opens them, for a command run beside the service (the
// `users` command) that changes accounts without serving.
type Storage struct {
	Store    store.Store
	Sessions *session.Manager
	closers  []func() error
}

// OpenStorage opens the database (migrating it, as the service does) and
// the session backend. Unlike New it does not wait for an unreachable
// database: an operator at a prompt wants the error, within ctx's deadline.
func OpenStorage(ctx context.Context, cfg Config, logger *slog.Logger) (*Storage, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return nil, err
	}
	backend, sessionRedis, err := newSessionBackend(cfg, db)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	s := &Storage{Store: db, Sessions: newSessionManager(cfg, backend), closers: []func() error{db.Close}}
	if sessionRedis != nil {
		s.closers = append(s.closers, sessionRedis.Close)
	}
	return s, nil
}

// Close releases what OpenStorage opened.
func (s *Storage) Close() error {
	var errs []error
	for _, closeFn := range s.closers {
		errs = append(errs, closeFn())
	}
	return errors.Join(errs...)
}
