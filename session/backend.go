package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is wrapped by Backend.LoadSession errors for an unknown or
// expired session id. The Manager treats exactly those errors as "no
// session"; any other load error is a backend failure.
var ErrNotFound = errors.New("session: not found")

// Backend stores opaque session data by id until an expiry, and knows
// which user each session belongs to, so that all of one user's sessions
// can be ended at once. store.SessionTable has this method set.
type Backend interface {
	// LoadSession returns an error wrapping ErrNotFound for an unknown or
	// expired id.
	LoadSession(ctx context.Context, id string) ([]byte, error)
	// SaveSession stores the session of userID (0: of no user).
	SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions deletes every session of userID; none is not an
	// error.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// PurgeSessions deletes sessions that expired before now and returns
	// how many it deleted.
	PurgeSessions(ctx context.Context, now time.Time) (int64, error)
}

// MapNotFound adapts a backend that reports unknown ids with its own
// sentinel, e.g. MapNotFound(db.Sessions(), store.ErrNotFound): load errors
// matching notFound then also match ErrNotFound.
func MapNotFound(b Backend, notFound error) Backend {
	return notFoundBackend{Backend: b, notFound: notFound}
}

type notFoundBackend struct {
	Backend
	notFound error
}

func (b notFoundBackend) LoadSession(ctx context.Context, id string) ([]byte, error) {
	data, err := b.Backend.LoadSession(ctx, id)
	if errors.Is(err, b.notFound) && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return data, err
}
