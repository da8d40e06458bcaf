package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// errMemNotFound stands for a foreign sentinel such as store.ErrNotFound.
var errMemNotFound = errors.New("mem: not found")

// memBackend reports unknown ids with its own sentinel, like
// store.SessionTable does.
type memBackend struct {
	mu       sync.Mutex
	sessions map[string]memSession
}

type memSession struct {
	userID int64
	data   []byte
	expiry time.Time
}

func newMemBackend() *memBackend { return &memBackend{sessions: map[string]memSession{}} }

func (b *memBackend) LoadSession(ctx context.Context, id string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.sessions[id]
	if !ok || !time.Now().Before(s.expiry) {
		return nil, fmt.Errorf("mem: load %w", errMemNotFound)
	}
	return s.data, nil
}

func (b *memBackend) SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sessions[id] = memSession{userID: userID, data: data, expiry: expiry}
	return nil
}

func (b *memBackend) DeleteUserSessions(ctx context.Context, userID int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, s := range b.sessions {
		if s.userID == userID {
			delete(b.sessions, id)
		}
	}
	return nil
}

func (b *memBackend) DeleteSession(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.sessions, id)
	return nil
}

func (b *memBackend) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	for id, s := range b.sessions {
		if s.expiry.Before(now) {
			delete(b.sessions, id)
			n++
		}
	}
	return n, nil
}

func TestMapNotFound(t *testing.T) {
	runBackendSuite(t, func(t *testing.T) Backend {
		return MapNotFound(newMemBackend(), errMemNotFound)
	})
}

func TestForeignNotFoundIsABackendFailure(t *testing.T) {
	// Without MapNotFound the Manager cannot tell an unknown id from a
	// failure, and must not guess.
	m := NewManager(newMemBackend(), testSecret, Options{})
	if _, ok, err := m.Lookup(context.Background(), newID()); ok || !errors.Is(err, errMemNotFound) {
		t.Errorf("Lookup = %v, %v; want the backend's error", ok, err)
	}
}

func TestBackendFailure(t *testing.T) {
	b := MapNotFound(newMemBackend(), errMemNotFound)
	c := login(t, NewManager(b, testSecret, Options{}), 1, nil)
	failing := NewManager(failingBackend{b}, testSecret, Options{})
	if _, ok, err := failing.Current(withCookie(c)); ok || err == nil {
		t.Errorf("Current with a failing backend = %v, %v; want an error", ok, err)
	}
}

// failingBackend fails every load.
type failingBackend struct{ Backend }

func (failingBackend) LoadSession(context.Context, string) ([]byte, error) {
	return nil, errors.New("connection refused")
}
