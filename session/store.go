package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// backendStore is a gorilla sessions.Store like sessions.FilesystemStore,
// but over any Backend: the cookie carries only the signed session id, the
// values live in the backend as JSON.
type backendStore struct {
	backend  Backend
	codec    *securecookie.SecureCookie
	options  sessions.Options // defaults for new sessions
	lifetime time.Duration
}

var _ sessions.Store = (*backendStore)(nil)

// idEncoding has a single letter case, so ids stay distinct as file names
// on case-insensitive file systems.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newID() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	return idEncoding.EncodeToString(b)
}

// Get returns the request's session, loading it once per request.
func (s *backendStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie. A missing,
// invalid or unknown cookie yields a new empty session and no error: an
// error means the backend failed. The id of a cookie without a server-side
// session is never adopted, so a client cannot choose its session id.
func (s *backendStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.options
	sess.Options = &opts
	sess.IsNew = true
	id, ok := s.cookieID(r, name)
	if !ok {
		return sess, nil
	}
	values, err := s.load(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	sess.ID, sess.Values, sess.IsNew = id, values, false
	return sess, nil
}

// Save stores the session under its id, creating one for a new session,
// and sets the cookie. With Options.MaxAge < 0 it deletes the session and
// expires the cookie instead.
func (s *backendStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.backend.DeleteSession(r.Context(), sess.ID); err != nil {
				return fmt.Errorf("session: unable to delete session: %w", err)
			}
			sess.ID = ""
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	values := make(map[string]any, len(sess.Values))
	for k, v := range sess.Values {
		key, ok := k.(string)
		if !ok {
			return fmt.Errorf("session: unable to save session: key %v is not a string", k)
		}
		values[key] = v
	}
	data, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("session: unable to encode session: %w", err)
	}
	if sess.ID == "" {
		sess.ID = newID()
	}
	userID, _ := userIDOf(sess.Values)
	if err := s.backend.SaveSession(r.Context(), sess.ID, userID, data, time.Now().Add(s.lifetime)); err != nil {
		return fmt.Errorf("session: unable to save session: %w", err)
	}
	encoded, err := s.codec.Encode(sess.Name(), []byte(sess.ID))
	if err != nil {
		return fmt.Errorf("session: unable to sign session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// cookieID returns the session id of the request's cookie if its
// signature is valid.
func (s *backendStore) cookieID(r *http.Request, name string) (string, bool) {
	c, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	var id []byte
	if err := s.codec.Decode(name, c.Value, &id); err != nil || len(id) == 0 {
		return "", false
	}
	return string(id), true
}

// load returns the values stored for id; numbers come back as json.Number.
func (s *backendStore) load(ctx context.Context, id string) (map[any]any, error) {
	data, err := s.backend.LoadSession(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("session: unable to load session: %w", err)
	}
	var stored map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&stored); err != nil {
		return nil, fmt.Errorf("session: unable to decode session: %w", err)
	}
	values := make(map[any]any, len(stored))
	for k, v := range stored {
		values[k] = v
	}
	return values, nil
}
