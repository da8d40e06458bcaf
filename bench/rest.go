package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchPassword is every bench user's password.
const benchPassword = "bench-password-123"

// User is a bench account and its logged-in session.
type User struct {
	Email  string
	ID     int64
	Cookie string // value of the session cookie
}

// REST is a client of the service's REST API. Sessions are carried by hand
// (one shared http.Client, no cookie jar), one cookie per User.
type REST struct {
	base   *url.URL
	origin string
	http   *http.Client
}

func newREST(base *url.URL, origin string, maxConns int) *REST {
	tr := &http.Transport{
		MaxIdleConns:        maxConns + 16,
		MaxIdleConnsPerHost: maxConns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &REST{base: base, origin: origin, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// HTTPError is a response with an unexpected status.
type HTTPError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Path, e.Status, e.Body)
}

// do sends a request and returns the status, the body and the response's session cookie.
func (r *REST) do(ctx context.Context, method, path, cookie string, body any) (int, []byte, string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, "", err
		}
		rd = bytes.NewReader(b)
	}
	u := *r.base
	u.Path = path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.origin != "" {
		req.Header.Set("Origin", r.origin)
	}
	if cookie != "" {
		req.Header.Set("Cookie", "session="+cookie)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.StatusCode, nil, "", err
	}
	set := ""
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			set = c.Value
		}
	}
	return resp.StatusCode, b, set, nil
}

func shortBody(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Signup creates an account; the service logs it in.
func (r *REST) Signup(ctx context.Context, email string) (*User, error) {
	st, b, cookie, err := r.do(ctx, http.MethodPost, "/api/auth/signup", "", map[string]string{"email": email, "password": benchPassword})
	if err != nil {
		return nil, err
	}
	if st != http.StatusCreated {
		return nil, &HTTPError{"POST", "/api/auth/signup", st, shortBody(b)}
	}
	var out struct {
		UserID int64 `json:"user_id"`
	}
	_ = json.Unmarshal(b, &out)
	if cookie == "" {
		return nil, errors.New("signup: no session cookie in the response")
	}
	return &User{Email: email, ID: out.UserID, Cookie: cookie}, nil
}

// Login logs an existing account in (a new session).
func (r *REST) Login(ctx context.Context, email string) (*User, error) {
	st, b, cookie, err := r.do(ctx, http.MethodPost, "/api/auth/login", "", map[string]string{"email": email, "password": benchPassword})
	if err != nil {
		return nil, err
	}
	if st != http.StatusOK {
		return nil, &HTTPError{"POST", "/api/auth/login", st, shortBody(b)}
	}
	if cookie == "" {
		return nil, errors.New("login: no session cookie in the response")
	}
	return &User{Email: email, Cookie: cookie}, nil
}

// CreateChat creates a chat for the user and returns its id.
func (r *REST) CreateChat(ctx context.Context, u *User) (int64, error) {
	st, b, _, err := r.do(ctx, http.MethodPost, "/api/chat/create", u.Cookie, map[string]string{})
	if err != nil {
		return 0, err
	}
	if st != http.StatusCreated {
		return 0, &HTTPError{"POST", "/api/chat/create", st, shortBody(b)}
	}
	var out struct {
		ChatID int64 `json:"chat_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.ChatID <= 0 {
		return 0, fmt.Errorf("chat/create: bad body %s", shortBody(b))
	}
	return out.ChatID, nil
}

// Get fetches path with the user's session; it returns the status and body.
func (r *REST) Get(ctx context.Context, u *User, path string) (int, []byte, error) {
	st, b, _, err := r.do(ctx, http.MethodGet, path, u.Cookie, nil)
	return st, b, err
}

// Ping checks that the service answers GET /health.
func (r *REST) Ping(ctx context.Context) error {
	st, b, _, err := r.do(ctx, http.MethodGet, "/health", "", nil)
	if err != nil {
		return err
	}
	if st != http.StatusOK {
		return &HTTPError{"GET", "/health", st, shortBody(b)}
	}
	return nil
}

// parallel runs f(i) for i in [0, n) on at most conc goroutines, stopping
// early when ctx ends; it returns the first error of each kind through f itself.
func parallel(ctx context.Context, n, conc int, f func(i int)) {
	if conc < 1 {
		conc = 1
	}
	if conc > n {
		conc = n
	}
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// signupUsers creates n users bench-<runID>-<prefix><i>@example.com in
// parallel; failed signups are nil entries, counted in fails.
func signupUsers(ctx context.Context, r *REST, runID, prefix string, n, conc int, fails *Failures) []*User {
	users := make([]*User, n)
	parallel(ctx, n, conc, func(i int) {
		email := "bench-" + runID + "-" + prefix + strconv.Itoa(i) + "@example.com"
		u, err := r.Signup(ctx, email)
		if err != nil {
			fails.Add("signup", err.Error())
			return
		}
		users[i] = u
	})
	return users
}
