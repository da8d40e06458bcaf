package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// testOrigin is where the browser client's pages come from.
const testOrigin = "http://localhost:8000"

// testServer is the whole service listening on a free loopback port.
type testServer struct {
	URL string
	app *App
	cfg Config
	// shutdown stops the service as SIGTERM does and returns Serve's error.
	shutdown func() error
}

// startServer runs the real service on databaseURL until the test ends.
func startServer(t testing.TB, databaseURL string, configure ...func(*Config)) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Host, cfg.Port = "127.0.0.1", 0
	cfg.DatabaseURL = databaseURL
	cfg.SessionFileDir = filepath.Join(t.TempDir(), "sessions")
	cfg.BrandingFile = filepath.Join(t.TempDir(), "branding.yaml")
	cfg.ShutdownTimeout.Duration = 5 * time.Second
	// Tests sign many users up from one address; limits_test.go turns them on.
	cfg.RateLimitEnabled = false
	for _, f := range configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	app, err := New(ctx, cfg, logger, "test")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	srv := &testServer{URL: "http://" + ln.Addr().String(), app: app, cfg: cfg}
	srv.shutdown = sync.OnceValue(func() error {
		cancel() // what SIGTERM does to main's context
		err := <-done
		if cerr := app.Close(); cerr != nil {
			t.Errorf("close: %v", cerr)
		}
		return err
	})
	t.Cleanup(func() {
		if err := srv.shutdown(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return srv
}

// startSQLiteServer runs the service on a fresh SQLite file.
func startSQLiteServer(t testing.TB, configure ...func(*Config)) *testServer {
	_, url := storetest.SQLite(t)
	return startServer(t, url, configure...)
}

// testLogWriter sends server logs to the test log, so they show on failure.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// browser is an HTTP client that keeps cookies, as the web client does.
type browser struct {
	t      testing.TB
	base   string
	client *http.Client
}

func newBrowser(t testing.TB, srv *testServer) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: srv.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// do sends body (nil for none) as JSON from the client's origin.
func (b *browser) do(method, path string, body any) response {
	b.t.Helper()
	return b.doWithHeader(method, path, body, nil)
}

// doWithHeader is do with extra request headers.
func (b *browser) doWithHeader(method, path string, body any, header http.Header) response {
	b.t.Helper()
	var reader io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(v)
	case []byte:
		reader = bytes.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, reader)
	if err != nil {
		b.t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	req.Header.Set("Origin", testOrigin)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 && json.Unmarshal(raw, &out.Body) != nil {
		b.t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
	}
	return out
}

// signup creates an account and leaves the browser logged in as it.
func (b *browser) signup(email, password string) int64 {
	b.t.Helper()
	r := b.do("POST", "/api/auth/signup", map[string]string{"email": email, "password": password})
	if r.Status != http.StatusCreated {
		b.t.Fatalf("signup %s: %d %s", email, r.Status, r.Raw)
	}
	return int64(r.Body["user_id"].(float64))
}

// createChat makes a chat and returns its id.
func (b *browser) createChat() int64 {
	b.t.Helper()
	r := b.do("POST", "/api/chat/create", nil)
	if r.Status != http.StatusCreated {
		b.t.Fatalf("create chat: %d %s", r.Status, r.Raw)
	}
	return int64(r.Body["chat_id"].(float64))
}

// sessionCookie is the browser's current session cookie value.
func (b *browser) sessionCookie() string {
	for _, c := range b.client.Jar.Cookies(mustParseURL(b.t, b.base)) {
		if c.Name == "session" {
			return c.Value
		}
	}
	return ""
}

// expect checks status and, when message is not empty, the contract's message.
func expect(t testing.TB, r response, status int, message string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Raw)
	}
	if message == "" {
		return
	}
	if r.Body["success"] != false || r.Body["message"] != message {
		t.Fatalf("body %s, want {success: false, message: %q}", r.Raw, message)
	}
}
