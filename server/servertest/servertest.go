// Package servertest starts the whole service, as main does, on a free
// loopback port for a test, and stops it as SIGTERM does when the test
// ends. The server tests and the browser test both use it.
package servertest

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// Server is the whole service listening on a free loopback port.
type Server struct {
	// URL is http://127.0.0.1:PORT.
	URL    string
	App    *server.App
	Config server.Config
	// Shutdown stops the service as SIGTERM does and returns Serve's
	// error; it runs once, by itself at the end of the test.
	Shutdown func() error
}

// Config is the configuration Start begins from: the defaults, on
// databaseURL, with sessions and branding in the test's own directories,
// a short shutdown timeout and no rate limits (tests sign many users up
// from one address; a configure function turns them back on).
func Config(t testing.TB, databaseURL string) server.Config {
	cfg := server.DefaultConfig()
	cfg.Host, cfg.Port = "127.0.0.1", 0
	cfg.DatabaseURL = databaseURL
	cfg.SessionFileDir = filepath.Join(t.TempDir(), "sessions")
	cfg.BrandingFile = filepath.Join(t.TempDir(), "branding.yaml")
	cfg.ShutdownTimeout.Duration = 5 * time.Second
	cfg.RateLimitEnabled = false
	return cfg
}

// Start runs the real service on databaseURL until the test ends; each
// configure function may change the configuration first.
func Start(t testing.TB, databaseURL string, configure ...func(*server.Config)) *Server {
	t.Helper()
	cfg := Config(t, databaseURL)
	for _, f := range configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(LogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	app, err := server.New(ctx, cfg, logger, "test")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		app.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	srv := &Server{URL: "http://" + ln.Addr().String(), App: app, Config: cfg}
	srv.Shutdown = sync.OnceValue(func() error {
		cancel() // what SIGTERM does to main's context
		err := <-done
		if cerr := app.Close(); cerr != nil {
			t.Errorf("close: %v", cerr)
		}
		return err
	})
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return srv
}

// StartSQLite runs the service on a fresh SQLite file.
func StartSQLite(t testing.TB, configure ...func(*server.Config)) *Server {
	_, url := storetest.SQLite(t)
	return Start(t, url, configure...)
}

// LogWriter sends the service's log lines to the test log, so they show
// on failure.
type LogWriter struct{ T testing.TB }

func (w LogWriter) Write(p []byte) (int, error) {
	w.T.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// UseAI points the server at addr.
func UseAI(t testing.TB, addr string) func(*server.Config) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return func(c *server.Config) { c.AIHost, c.AIPort = host, n }
}
