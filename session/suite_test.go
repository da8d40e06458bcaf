package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testSecret = "test-secret-key"

// runBackendSuite runs the tests every Backend must pass, on the backend
// alone and through a Manager. newBackend returns a fresh, empty backend.
func runBackendSuite(t *testing.T, newBackend func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("SaveLoadDelete", func(t *testing.T) {
		b := newBackend(t)
		id := newID()
		if _, err := b.LoadSession(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("LoadSession(unknown) error = %v, want ErrNotFound", err)
		}
		for _, data := range []string{`{"user_id":1}`, `{"user_id":2}`} {
			if err := b.SaveSession(ctx, id, 1, []byte(data), time.Now().Add(time.Hour)); err != nil {
				t.Fatalf("SaveSession: %v", err)
			}
			got, err := b.LoadSession(ctx, id)
			if err != nil || string(got) != data {
				t.Fatalf("LoadSession = %q, %v; want %q", got, err, data)
			}
		}
		if err := b.DeleteSession(ctx, id); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		if _, err := b.LoadSession(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("LoadSession(deleted) error = %v, want ErrNotFound", err)
		}
		if err := b.DeleteSession(ctx, id); err != nil {
			t.Fatalf("DeleteSession(deleted): %v", err)
		}
	})

	t.Run("DeleteUserSessions", func(t *testing.T) {
		b := newBackend(t)
		users := map[string]int64{newID(): 1, newID(): 1, newID(): 2, newID(): 0}
		for id, userID := range users {
			if err := b.SaveSession(ctx, id, userID, []byte("{}"), time.Now().Add(time.Hour)); err != nil {
				t.Fatalf("SaveSession: %v", err)
			}
		}
		for range 2 { // the second time there is nothing left to delete
			if err := b.DeleteUserSessions(ctx, 1); err != nil {
				t.Fatalf("DeleteUserSessions: %v", err)
			}
			for id, userID := range users {
				_, err := b.LoadSession(ctx, id)
				if userID == 1 && !errors.Is(err, ErrNotFound) {
					t.Errorf("LoadSession of a session of user 1 after deleting theirs: error = %v, want ErrNotFound", err)
				}
				if userID != 1 && err != nil {
					t.Errorf("LoadSession of a session of user %d after deleting user 1's: %v", userID, err)
				}
			}
		}
		// A user's sessions saved after a deletion, and after one of them
		// was deleted by itself, are found again.
		again, gone, later := newID(), newID(), newID()
		for _, id := range []string{again, gone, later} {
			if err := b.SaveSession(ctx, id, 1, []byte("{}"), time.Now().Add(time.Hour)); err != nil {
				t.Fatalf("SaveSession: %v", err)
			}
			if id == gone {
				if err := b.DeleteSession(ctx, gone); err != nil {
					t.Fatalf("DeleteSession: %v", err)
				}
			}
		}
		if err := b.DeleteUserSessions(ctx, 1); err != nil {
			t.Fatalf("DeleteUserSessions: %v", err)
		}
		for _, id := range []string{again, gone, later} {
			if _, err := b.LoadSession(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("LoadSession after the second DeleteUserSessions: error = %v, want ErrNotFound", err)
			}
		}
		if err := b.DeleteUserSessions(ctx, 12345); err != nil {
			t.Errorf("DeleteUserSessions of a user without sessions: %v", err)
		}
	})

	t.Run("EndUserSessions", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		laptop, phone, other := login(t, m, 7, nil), login(t, m, 7, nil), login(t, m, 8, nil)
		if err := m.EndUserSessions(ctx, 7); err != nil {
			t.Fatalf("EndUserSessions: %v", err)
		}
		for _, c := range []*http.Cookie{laptop, phone} {
			if s, ok := current(t, m, c); ok {
				t.Errorf("Current with a cookie of user 7 after EndUserSessions(7) = %+v, want no session", s)
			}
		}
		if s, ok := current(t, m, other); !ok || s.UserID != 8 {
			t.Errorf("Current with user 8's cookie = %+v, %v; want user 8's session", s, ok)
		}
		// A login afterwards starts a session that lives.
		if s, ok := current(t, m, login(t, m, 7, laptop)); !ok || s.UserID != 7 {
			t.Errorf("Current after logging in again = %+v, %v; want user 7", s, ok)
		}
	})

	t.Run("ExpiredAndPurge", func(t *testing.T) {
		b := newBackend(t)
		live, expired, soon := newID(), newID(), newID()
		now := time.Now()
		for id, expiry := range map[string]time.Time{
			live:    now.Add(time.Hour),
			expired: now.Add(-time.Second),
			soon:    now.Add(100 * time.Millisecond),
		} {
			if err := b.SaveSession(ctx, id, 1, []byte("{}"), expiry); err != nil {
				t.Fatalf("SaveSession: %v", err)
			}
		}
		if _, err := b.LoadSession(ctx, expired); !errors.Is(err, ErrNotFound) {
			t.Errorf("LoadSession(expired) error = %v, want ErrNotFound", err)
		}
		if _, err := b.LoadSession(ctx, soon); err != nil {
			t.Errorf("LoadSession(soon) before expiry: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
		if _, err := b.LoadSession(ctx, soon); !errors.Is(err, ErrNotFound) {
			t.Errorf("LoadSession(soon) after expiry error = %v, want ErrNotFound", err)
		}
		if _, err := b.PurgeSessions(ctx, time.Now()); err != nil {
			t.Fatalf("PurgeSessions: %v", err)
		}
		if _, err := b.LoadSession(ctx, live); err != nil {
			t.Errorf("LoadSession(live) after purge: %v", err)
		}
		if _, err := b.LoadSession(ctx, expired); !errors.Is(err, ErrNotFound) {
			t.Errorf("LoadSession(expired) after purge error = %v, want ErrNotFound", err)
		}
	})

	t.Run("LoginCookie", func(t *testing.T) {
		b := newBackend(t)
		for _, opts := range []Options{{}, {Secure: true}, {Permanent: true}, {Secure: true, Permanent: true}} {
			m := NewManager(b, testSecret, opts)
			resp := serve(nil, func(w http.ResponseWriter, r *http.Request) {
				if _, err := m.Login(w, r, 987654321); err != nil {
					t.Fatalf("Login: %v", err)
				}
			})
			c := sessionCookie(t, resp)
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != opts.Secure {
				t.Errorf("%+v: cookie %q lacks HttpOnly, SameSite=Lax, Path=/ or the Secure flag", opts, resp.Header.Get("Set-Cookie"))
			}
			raw := resp.Header.Get("Set-Cookie")
			if opts.Permanent {
				if c.MaxAge != int(DefaultLifetime/time.Second) {
					t.Errorf("%+v: Max-Age = %d, want 31 days", opts, c.MaxAge)
				}
			} else if strings.Contains(raw, "Max-Age") || strings.Contains(raw, "Expires") {
				t.Errorf("%+v: browser-session cookie %q has an expiry", opts, raw)
			}
			decoded, _ := base64.URLEncoding.DecodeString(c.Value)
			for _, plain := range []string{"987654321", "user_id"} {
				if strings.Contains(c.Value, plain) || bytes.Contains(decoded, []byte(plain)) {
					t.Errorf("%+v: cookie value %q shows %q", opts, c.Value, plain)
				}
			}
			s, ok := current(t, m, c)
			id, _ := m.SessionIDFromCookieHeader(withCookie(c))
			if !ok || s.UserID != 987654321 || s.ID != id || id == "" {
				t.Errorf("%+v: Current = %+v, %v; want user 987654321 with id %q", opts, s, ok, id)
			}
		}
	})

	t.Run("NoOrBadCookie", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		for _, c := range []*http.Cookie{nil, {Name: "session", Value: "garbage"}, {Name: "session", Value: ""}} {
			if s, ok := current(t, m, c); ok {
				t.Errorf("Current(%v) = %+v, want no session", c, s)
			}
		}
	})

	t.Run("TamperedCookie", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		c := login(t, m, 7, nil)
		v := []byte(c.Value)
		i := len(v) / 2
		if v[i] == 'A' {
			v[i] = 'B'
		} else {
			v[i] = 'A'
		}
		tampered := &http.Cookie{Name: c.Name, Value: string(v)}
		if s, ok := current(t, m, tampered); ok {
			t.Errorf("Current(tampered) = %+v, want no session", s)
		}
		if id, ok := m.SessionIDFromCookieHeader(withCookie(tampered)); ok {
			t.Errorf("SessionIDFromCookieHeader(tampered) = %q, want false", id)
		}
	})

	t.Run("OtherSecretKey", func(t *testing.T) {
		b := newBackend(t)
		c := login(t, NewManager(b, testSecret, Options{}), 7, nil)
		other := NewManager(b, "another-secret-key", Options{})
		if s, ok := current(t, other, c); ok {
			t.Errorf("Current with another SECRET_KEY = %+v, want no session", s)
		}
		if _, ok := other.SessionIDFromCookieHeader(withCookie(c)); ok {
			t.Error("SessionIDFromCookieHeader accepted a cookie signed with another SECRET_KEY")
		}
	})

	t.Run("Logout", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		c := login(t, m, 7, nil)
		id, _ := m.SessionIDFromCookieHeader(withCookie(c))
		var ended Session
		var ok bool
		resp := serve(c, func(w http.ResponseWriter, r *http.Request) {
			var err error
			if ended, ok, err = m.Logout(w, r); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			// Within the same request the session is gone too.
			if s, ok, err := m.Current(r); ok || err != nil {
				t.Errorf("Current after Logout in the same request = %+v, %v, %v", s, ok, err)
			}
		})
		if !ok || ended.ID != id || ended.UserID != 7 {
			t.Errorf("Logout = %+v, %v; want session %q of user 7", ended, ok, id)
		}
		if expired := sessionCookie(t, resp); expired.MaxAge >= 0 || expired.Value != "" {
			t.Errorf("Logout cookie %q does not expire the cookie", resp.Header.Get("Set-Cookie"))
		}
		// Replaying the old cookie finds nothing server side.
		if s, ok := current(t, m, c); ok {
			t.Errorf("Current(replayed cookie) = %+v, want no session", s)
		}
		if s, ok, err := m.Lookup(ctx, id); ok || err != nil {
			t.Errorf("Lookup after Logout = %+v, %v, %v; want no session", s, ok, err)
		}
		serve(c, func(w http.ResponseWriter, r *http.Request) {
			if s, ok, err := m.Logout(w, r); ok || err != nil {
				t.Errorf("second Logout = %+v, %v, %v; want no session, no error", s, ok, err)
			}
		})
	})

	t.Run("Fixation", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		c1 := login(t, m, 1, nil)
		id1, _ := m.SessionIDFromCookieHeader(withCookie(c1))
		c2 := login(t, m, 2, c1)
		id2, _ := m.SessionIDFromCookieHeader(withCookie(c2))
		if c2.Value == c1.Value || id2 == id1 {
			t.Fatal("Login kept the session id the request came with")
		}
		if s, ok, err := m.Lookup(ctx, id1); ok || err != nil {
			t.Errorf("Lookup(previous id) = %+v, %v, %v; want no session", s, ok, err)
		}
		if s, ok := current(t, m, c1); ok {
			t.Errorf("Current(previous cookie) = %+v, want no session", s)
		}
		if s, ok := current(t, m, c2); !ok || s.UserID != 2 {
			t.Errorf("Current(new cookie) = %+v, %v; want user 2", s, ok)
		}
		// A validly signed id without a server-side session is not adopted.
		c3 := login(t, m, 3, c1)
		if id3, _ := m.SessionIDFromCookieHeader(withCookie(c3)); id3 == id1 {
			t.Error("Login adopted a dead session id")
		}
	})

	t.Run("CurrentAfterLoginSameRequest", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		serve(nil, func(w http.ResponseWriter, r *http.Request) {
			if _, ok, _ := m.Current(r); ok {
				t.Fatal("Current before Login reports a session")
			}
			loggedIn, err := m.Login(w, r, 5)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if s, ok, err := m.Current(r); !ok || err != nil || s != loggedIn || s.ID == "" {
				t.Errorf("Current after Login = %+v, %v, %v; want %+v, what Login returned", s, ok, err, loggedIn)
			}
			if loggedIn.UserID != 5 {
				t.Errorf("Login = %+v, want user 5", loggedIn)
			}
		})
	})

	t.Run("Lookup", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{})
		c := login(t, m, 42, nil)
		id, ok := m.SessionIDFromCookieHeader(withCookie(c))
		if !ok {
			t.Fatal("SessionIDFromCookieHeader rejected a fresh cookie")
		}
		if s, ok, err := m.Lookup(ctx, id); !ok || err != nil || s != (Session{ID: id, UserID: 42}) {
			t.Errorf("Lookup = %+v, %v, %v; want user 42", s, ok, err)
		}
		for _, unknown := range []string{newID(), "", "../../etc/passwd"} {
			if s, ok, err := m.Lookup(ctx, unknown); ok || err != nil {
				t.Errorf("Lookup(%q) = %+v, %v, %v; want no session", unknown, s, ok, err)
			}
		}
	})

	t.Run("LifetimeExpiry", func(t *testing.T) {
		m := NewManager(newBackend(t), testSecret, Options{Lifetime: 100 * time.Millisecond})
		c := login(t, m, 9, nil)
		if _, ok := current(t, m, c); !ok {
			t.Fatal("Current right after Login reports no session")
		}
		id, _ := m.SessionIDFromCookieHeader(withCookie(c))
		time.Sleep(200 * time.Millisecond)
		if s, ok := current(t, m, c); ok {
			t.Errorf("Current after the lifetime = %+v, want no session", s)
		}
		if s, ok, err := m.Lookup(ctx, id); ok || err != nil {
			t.Errorf("Lookup after the lifetime = %+v, %v, %v; want no session", s, ok, err)
		}
	})
}

// serve runs handler on a request carrying cookie (if not nil).
func serve(cookie *http.Cookie, handler http.HandlerFunc) *http.Response {
	w := httptest.NewRecorder()
	handler(w, withCookie(cookie))
	return w.Result()
}

func withCookie(cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/auth/login", nil)
	if cookie != nil {
		r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	return r
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == DefaultCookieName {
			return c
		}
	}
	t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
	return nil
}

func login(t *testing.T, m *Manager, userID int64, cookie *http.Cookie) *http.Cookie {
	t.Helper()
	return sessionCookie(t, serve(cookie, func(w http.ResponseWriter, r *http.Request) {
		if _, err := m.Login(w, r, userID); err != nil {
			t.Fatalf("Login: %v", err)
		}
	}))
}

func current(t *testing.T, m *Manager, cookie *http.Cookie) (Session, bool) {
	t.Helper()
	s, ok, err := m.Current(withCookie(cookie))
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	return s, ok
}
