// Package session keeps logins in server-side sessions. The cookie holds
// only a signed, random session id; the data lives in a Backend (files,
// Redis or the application database), so logging out ends the session
// everywhere at once.
package session

import (
	"context"
	"crypto/hkdf"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

const (
	// DefaultLifetime is Flask's PERMANENT_SESSION_LIFETIME.
	DefaultLifetime = 31 * 24 * time.Hour
	// DefaultCookieName is Flask's session cookie name.
	DefaultCookieName = "session"

	keyUserID = "user_id"
	// hkdfInfo separates the signing key from other uses of SECRET_KEY.
	hkdfInfo = "amanda-backend session cookie signing key v1"
)

// Options configure the session cookie.
type Options struct {
	CookieName string        // DefaultCookieName when empty
	Secure     bool          // send the cookie over HTTPS only
	Permanent  bool          // cookie outlives the browser session, for Lifetime
	Lifetime   time.Duration // server-side lifetime; DefaultLifetime when zero
}

// Session is a logged-in session.
type Session struct {
	ID     string
	UserID int64
}

// Manager logs users in and out and resolves requests to sessions. Current,
// Login and Logout load the session once per request through gorilla's
// registry, which attaches itself to the request's context.
type Manager struct {
	store *backendStore
	name  string
}

// NewManager returns a Manager storing sessions in backend and signing
// cookies with a key derived from secretKey. Refusing a weak secretKey is
// left to the configuration.
func NewManager(backend Backend, secretKey string, opts Options) *Manager {
	if opts.CookieName == "" {
		opts.CookieName = DefaultCookieName
	}
	if opts.Lifetime <= 0 {
		opts.Lifetime = DefaultLifetime
	}
	key, err := hkdf.Key(sha512.New, []byte(secretKey), nil, hkdfInfo, 64)
	if err != nil {
		// Only an impossible key length makes HKDF fail.
		panic(fmt.Sprintf("session: unable to derive cookie key: %v", err))
	}
	seconds := int(opts.Lifetime / time.Second)
	// The timestamp inside the signed value bounds a cookie's age as well.
	codec := securecookie.New(key, nil).MaxAge(seconds).SetSerializer(securecookie.NopEncoder{})
	cookie := sessions.Options{
		Path:     "/",
		Secure:   opts.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if opts.Permanent {
		cookie.MaxAge = seconds
	}
	return &Manager{
		store: &backendStore{backend: backend, codec: codec, options: cookie, lifetime: opts.Lifetime},
		name:  opts.CookieName,
	}
}

// Current returns the request's session. It reports false for a missing,
// invalid or tampered cookie and for a session the backend does not know;
// the error is for backend failures only.
func (m *Manager) Current(r *http.Request) (Session, bool, error) {
	sess, err := m.store.Get(r, m.name)
	if err != nil {
		return Session{}, false, err
	}
	s, ok := sessionOf(sess.ID, sess.Values)
	return s, ok, nil
}

// Login starts a session for userID under a fresh id, sets the cookie and
// returns the new session. The request's previous session is deleted, so
// an id known before the login (session fixation) is worthless after it.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, userID int64) (Session, error) {
	sess, err := m.store.Get(r, m.name)
	if err != nil {
		return Session{}, err
	}
	if sess.ID != "" {
		if err := m.store.backend.DeleteSession(r.Context(), sess.ID); err != nil {
			return Session{}, fmt.Errorf("session: unable to delete previous session: %w", err)
		}
	}
	opts := m.store.options
	sess.ID, sess.Options, sess.IsNew = "", &opts, false
	sess.Values = map[any]any{keyUserID: userID}
	if err := sess.Save(r, w); err != nil {
		return Session{}, err
	}
	return Session{ID: sess.ID, UserID: userID}, nil
}

// EndUserSessions ends every session of userID, for every instance
// sharing the backend.
func (m *Manager) EndUserSessions(ctx context.Context, userID int64) error {
	if err := m.store.backend.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("session: unable to end the sessions of a user: %w", err)
	}
	return nil
}

// Logout deletes the request's session and expires its cookie. It returns
// the session that ended, if there was one, so that its sockets can be
// disconnected.
func (m *Manager) Logout(w http.ResponseWriter, r *http.Request) (Session, bool, error) {
	sess, err := m.store.Get(r, m.name)
	if err != nil {
		return Session{}, false, err
	}
	ended, ok := sessionOf(sess.ID, sess.Values)
	sess.Options.MaxAge = -1
	if err := sess.Save(r, w); err != nil {
		return Session{}, false, err
	}
	clear(sess.Values)
	return ended, ok, nil
}

// SessionIDFromCookieHeader returns the session id of the request's cookie
// if its signature is valid, without asking the backend; Lookup tells
// whether the session is still alive.
func (m *Manager) SessionIDFromCookieHeader(r *http.Request) (string, bool) {
	return m.store.cookieID(r, m.name)
}

// Lookup returns the live session with the given id; false once it has
// ended or expired.
func (m *Manager) Lookup(ctx context.Context, sessionID string) (Session, bool, error) {
	values, err := m.store.load(ctx, sessionID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Session{}, false, nil
		}
		return Session{}, false, err
	}
	s, ok := sessionOf(sessionID, values)
	return s, ok, nil
}

// RunPurger deletes expired sessions now and then every interval until ctx
// is done. A nil logger means slog.Default().
func (m *Manager) RunPurger(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		n, err := m.store.backend.PurgeSessions(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("session: unable to purge expired sessions", "error", err)
		case n > 0:
			logger.Info("session: purged expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// sessionOf is the session with id whose values Login stored.
func sessionOf(id string, values map[any]any) (Session, bool) {
	if id == "" {
		return Session{}, false
	}
	userID, ok := userIDOf(values)
	if !ok {
		return Session{}, false
	}
	return Session{ID: id, UserID: userID}, true
}

// userIDOf reads the user id that Login stored: an int64 before the
// session was saved, a json.Number after it was loaded.
func userIDOf(values map[any]any) (int64, bool) {
	switch v := values[keyUserID].(type) {
	case int64:
		return v, true
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	}
	return 0, false
}
