package store

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// OpenEventually is Open for a database that may not answer yet: a
// PostgreSQL that is unreachable at start-up (Compose and Kubernetes start
// everything at once) gives a Store that keeps trying in the background,
// with backoff, and migrates once it answers. Until then each call fails
// with ErrUnreachable. Any other error (a malformed URL, a failed
// migration, an unusable SQLite file) is returned at once, as from Open.
func OpenEventually(ctx context.Context, databaseURL string, logger *slog.Logger) (Store, error) {
	s, err := Open(ctx, databaseURL, logger)
	if !errors.Is(err, ErrUnreachable) {
		return s, err
	}
	logger.Error("database unreachable at start-up; serving without it (/ready answers 503) and retrying", "error", err)
	d := &deferred{done: make(chan struct{})}
	retryCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.cancel = cancel
	go d.open(retryCtx, databaseURL, logger)
	return d, nil
}

// Backoff between attempts to open an unreachable database.
const (
	firstRetry = 500 * time.Millisecond
	maxRetry   = 15 * time.Second
)

// deferred is a Store whose database is being opened.
type deferred struct {
	store  atomic.Pointer[Store]
	cancel context.CancelFunc
	done   chan struct{} // closed when open has returned
}

func (d *deferred) open(ctx context.Context, databaseURL string, logger *slog.Logger) {
	defer close(d.done)
	wait := firstRetry
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		s, err := Open(ctx, databaseURL, logger)
		if err == nil {
			d.store.Store(&s)
			logger.Info("database reachable: schema up to date, serving")
			return
		}
		if ctx.Err() != nil {
			return
		}
		logger.Warn("database still unreachable; retrying", "in", min(wait*2, maxRetry), "error", err)
		wait = min(wait*2, maxRetry)
	}
}

// current is the opened Store, or ErrUnreachable.
func (d *deferred) current() (Store, error) {
	if s := d.store.Load(); s != nil {
		return *s, nil
	}
	return nil, ErrUnreachable
}

// call runs fn on the opened Store.
func call[T any](d *deferred, fn func(Store) (T, error)) (T, error) {
	s, err := d.current()
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(s)
}

func (d *deferred) CreateUser(ctx context.Context, email, passwordHash string) (User, error) {
	return call(d, func(s Store) (User, error) { return s.CreateUser(ctx, email, passwordHash) })
}

func (d *deferred) UserByEmail(ctx context.Context, email string) (User, error) {
	return call(d, func(s Store) (User, error) { return s.UserByEmail(ctx, email) })
}

func (d *deferred) UserByID(ctx context.Context, id int64) (User, error) {
	return call(d, func(s Store) (User, error) { return s.UserByID(ctx, id) })
}

func (d *deferred) ListUsers(ctx context.Context) ([]UserSummary, error) {
	return call(d, func(s Store) ([]UserSummary, error) { return s.ListUsers(ctx) })
}

func (d *deferred) UpdatePasswordHash(ctx context.Context, userID int64, passwordHash string) error {
	_, err := call(d, func(s Store) (struct{}, error) { return struct{}{}, s.UpdatePasswordHash(ctx, userID, passwordHash) })
	return err
}

func (d *deferred) DeleteUser(ctx context.Context, userID int64) error {
	_, err := call(d, func(s Store) (struct{}, error) { return struct{}{}, s.DeleteUser(ctx, userID) })
	return err
}

func (d *deferred) CreateChat(ctx context.Context, userID int64) (Chat, error) {
	return call(d, func(s Store) (Chat, error) { return s.CreateChat(ctx, userID) })
}

func (d *deferred) ChatByID(ctx context.Context, id int64) (Chat, error) {
	return call(d, func(s Store) (Chat, error) { return s.ChatByID(ctx, id) })
}

func (d *deferred) OwnedChat(ctx context.Context, userID, chatID int64) (Chat, error) {
	return call(d, func(s Store) (Chat, error) { return s.OwnedChat(ctx, userID, chatID) })
}

func (d *deferred) ListChats(ctx context.Context, userID int64) ([]ChatSummary, error) {
	return call(d, func(s Store) ([]ChatSummary, error) { return s.ListChats(ctx, userID) })
}

func (d *deferred) ListChatsPage(ctx context.Context, userID int64, after *ChatCursor, limit int) (ChatPage, error) {
	return call(d, func(s Store) (ChatPage, error) { return s.ListChatsPage(ctx, userID, after, limit) })
}

func (d *deferred) RenameChat(ctx context.Context, userID, chatID int64, title string) (ChatSummary, error) {
	return call(d, func(s Store) (ChatSummary, error) { return s.RenameChat(ctx, userID, chatID, title) })
}

func (d *deferred) DeleteChat(ctx context.Context, userID, chatID int64) error {
	_, err := call(d, func(s Store) (struct{}, error) { return struct{}{}, s.DeleteChat(ctx, userID, chatID) })
	return err
}

func (d *deferred) Messages(ctx context.Context, userID, chatID int64) ([]Message, error) {
	return call(d, func(s Store) ([]Message, error) { return s.Messages(ctx, userID, chatID) })
}

func (d *deferred) MessagesPage(ctx context.Context, userID, chatID, before int64, limit int) (MessagePage, error) {
	return call(d, func(s Store) (MessagePage, error) { return s.MessagesPage(ctx, userID, chatID, before, limit) })
}

func (d *deferred) AddUserMessage(ctx context.Context, chatID int64, content, title string) (Message, error) {
	return call(d, func(s Store) (Message, error) { return s.AddUserMessage(ctx, chatID, content, title) })
}

func (d *deferred) AddAssistantMessage(ctx context.Context, chatID int64, content string) (Message, error) {
	return call(d, func(s Store) (Message, error) { return s.AddAssistantMessage(ctx, chatID, content) })
}

func (d *deferred) Search(ctx context.Context, userID int64, query string, limit int) ([]SearchResult, error) {
	return call(d, func(s Store) ([]SearchResult, error) { return s.Search(ctx, userID, query, limit) })
}

func (d *deferred) ExportUser(ctx context.Context, userID int64, visit func(Chat, *Message) error) error {
	_, err := call(d, func(s Store) (struct{}, error) { return struct{}{}, s.ExportUser(ctx, userID, visit) })
	return err
}

func (d *deferred) Sessions() SessionTable { return deferredSessions{d} }

func (d *deferred) Stats() PoolStats {
	s, err := d.current()
	if err != nil {
		return PoolStats{}
	}
	return s.Stats()
}

func (d *deferred) Ping(ctx context.Context) error {
	s, err := d.current()
	if err != nil {
		return err
	}
	return s.Ping(ctx)
}

// Close stops the attempts and closes the database if it was opened.
func (d *deferred) Close() error {
	d.cancel()
	<-d.done
	if s, err := d.current(); err == nil {
		return s.Close()
	}
	return nil
}

// deferredSessions is the session table of a deferred Store.
type deferredSessions struct{ d *deferred }

func (t deferredSessions) LoadSession(ctx context.Context, id string) ([]byte, error) {
	return call(t.d, func(s Store) ([]byte, error) { return s.Sessions().LoadSession(ctx, id) })
}

func (t deferredSessions) SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error {
	_, err := call(t.d, func(s Store) (struct{}, error) {
		return struct{}{}, s.Sessions().SaveSession(ctx, id, userID, data, expiry)
	})
	return err
}

func (t deferredSessions) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := call(t.d, func(s Store) (struct{}, error) { return struct{}{}, s.Sessions().DeleteUserSessions(ctx, userID) })
	return err
}

func (t deferredSessions) DeleteSession(ctx context.Context, id string) error {
	_, err := call(t.d, func(s Store) (struct{}, error) { return struct{}{}, s.Sessions().DeleteSession(ctx, id) })
	return err
}

func (t deferredSessions) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	return call(t.d, func(s Store) (int64, error) { return s.Sessions().PurgeSessions(ctx, now) })
}
