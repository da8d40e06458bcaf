// Package e2e holds end-to-end tests that drive the whole service from the
// outside, the way its real clients do.
//
// TestBrowserChat runs headless Chromium (Debian's package, /usr/bin/chromium)
// through playwright-core against a page served from another origin on
// loopback, as the real client is served from port 8000. It needs, besides Go:
//
//	apt-get install -y chromium          # /usr/bin/chromium
//	npm ci --prefix testdata/browser     # playwright-core, socket.io-client 4.5.4
//
// Without them the test skips, saying so; with CI=true it fails instead, so
// CI can never pass without having run it.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
)

const (
	// browserDir holds page.html, drive.mjs and their npm packages.
	browserDir = "../testdata/browser"
	// chromiumPath is Debian's Chromium; Playwright never downloads its own.
	chromiumPath = "/usr/bin/chromium"
	// replyTokens is the number of chunks the fake AI sends per reply.
	replyTokens = 10
	// driveTimeout bounds drive.mjs itself; driveKillAfter bounds the process
	// from outside in case it ignores its own timeout.
	driveTimeout   = 60 * time.Second
	driveKillAfter = 90 * time.Second
)

// requireBrowser skips the test when Chromium, Node.js or the npm packages
// are missing, or fails it under CI=true, where they must be installed.
func requireBrowser(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, "Chromium at "+chromiumPath+" (install: apt-get update && apt-get install -y chromium)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node on PATH (Node.js 20 or later)")
	}
	for _, pkg := range []string{"playwright-core", "socket.io-client"} {
		if _, err := os.Stat(filepath.Join(browserDir, "node_modules", pkg, "package.json")); err != nil {
			missing = append(missing, "npm package "+pkg+" (install: npm ci --prefix testdata/browser)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "browser end-to-end test needs:\n  " + strings.Join(missing, "\n  ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "\nCI=true: CI must install these, so this is a failure, not a skip")
	}
	t.Skip(msg)
}

// localhostURL is the URL of a loopback listener under the host name
// localhost: the page and the backend must be same-site for the SameSite=Lax
// session cookie to reach the backend, so neither may be 127.0.0.1.
func localhostURL(t *testing.T, addr net.Addr) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + port
}

// startPageServer serves the test page and the socket.io-client browser
// bundle from the npm package, as the client's own web server would.
func startPageServer(t *testing.T) string {
	t.Helper()
	bundle := filepath.Join(browserDir, "node_modules", "socket.io-client", "dist", "socket.io.min.js")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, filepath.Join(browserDir, "page.html"))
	})
	mux.HandleFunc("GET /socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, bundle)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	ts := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(ts.Close)
	return localhostURL(t, ts.Listener.Addr())
}

// startBackend runs the real service on a free loopback port with a fresh
// SQLite database, the fake AI backend, its default rate limits, and CORS
// for pageOrigin only.
func startBackend(t *testing.T, pageOrigin string) string {
	t.Helper()
	ai := fakeaitest.Start(t, fakeai.Options{Tokens: replyTokens, Delay: 5 * time.Millisecond})
	srv := servertest.StartSQLite(t, servertest.UseAI(t, ai), func(c *server.Config) {
		c.CORSOrigins = []string{pageOrigin}
		c.RateLimitEnabled = true
	})
	addr, err := net.ResolveTCPAddr("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return localhostURL(t, addr)
}

// driveResult is the JSON line drive.mjs prints.
type driveResult struct {
	OK        bool   `json:"ok"`
	Error     string `json:"error"`
	Step      string `json:"step"`
	UserAgent string `json:"user_agent"`
	ElapsedMS int    `json:"elapsed_ms"`
	Chat      struct {
		OK                  bool     `json:"ok"`
		Error               string   `json:"error"`
		ChatID              int64    `json:"chat_id"`
		UserID              int64    `json:"user_id"`
		Transports          []string `json:"transports"`
		TransportInitial    string   `json:"transport_initial"`
		TransportAtConnect  string   `json:"transport_at_connect"`
		TransportAtComplete string   `json:"transport_at_complete"`
		TransportFinal      string   `json:"transport_final"`
		Upgrades            []string `json:"upgrades"`
		Tokens              []string `json:"tokens"`
		Events              []string `json:"events"`
		MessageID           int64    `json:"message_id"`
		FullText            string   `json:"full_text"`
	} `json:"chat"`
	Cookies []struct {
		Name     string `json:"name"`
		Domain   string `json:"domain"`
		Path     string `json:"path"`
		HTTPOnly bool   `json:"httpOnly"`
		Secure   bool   `json:"secure"`
		SameSite string `json:"sameSite"`
	} `json:"cookies"`
	History struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		ChatID int64  `json:"chat_id"`
		User   struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
		} `json:"user"`
		Chats []struct {
			ID           int64  `json:"id"`
			Title        string `json:"title"`
			MessageCount int64  `json:"message_count"`
		} `json:"chats"`
		Messages []struct {
			ID        int64  `json:"id"`
			ChatID    int64  `json:"chat_id"`
			Role      string `json:"role"`
			Content   string `json:"content"`
			Timestamp string `json:"timestamp"`
		} `json:"messages"`
	} `json:"history"`
}

// drive runs drive.mjs on pageURL and returns its result. Its stderr (the
// page's console, failed requests, Playwright's errors) goes to the test log.
func drive(t *testing.T, pageURL string) driveResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), driveKillAfter)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "drive.mjs", pageURL, filepath.Join(t.TempDir(), "chromium-profile"))
	cmd.Dir = browserDir
	cmd.Env = append(os.Environ(),
		"E2E_TIMEOUT_MS="+strconv.FormatInt(driveTimeout.Milliseconds(), 10),
		"CHROMIUM_PATH="+chromiumPath)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr := &lineLog{t: t, prefix: "drive: "}
	cmd.Stderr = stderr
	// Node and the Chromium it starts share a process group, ended as one.
	ownProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	cmd.WaitDelay = 10 * time.Second

	runErr := cmd.Run()
	killProcessGroup(cmd) // whatever Chromium may have left behind
	stderr.Flush()

	line := lastLine(stdout.String())
	if line == "" {
		t.Fatalf("drive.mjs printed no result (%v); stdout %q", runErr, stdout.String())
	}
	t.Logf("drive.mjs result: %s", line)
	var res driveResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("drive.mjs result is not the expected JSON: %v", err)
	}
	if runErr != nil || !res.OK {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("drive.mjs killed after %s", driveKillAfter)
		}
		t.Fatalf("browser run failed (%v) in step %q: %s", runErr, res.Step, res.Error)
	}
	return res
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func TestBrowserChat(t *testing.T) {
	requireBrowser(t)
	pageOrigin := startPageServer(t)
	backend := startBackend(t, pageOrigin)

	cases := []struct {
		name string
		// transports is the page's ?transports=; "" keeps the client's own
		// io() call, {transports: ['websocket', 'polling']}.
		transports string
		// wantInitial is the transport the engine opens with; every run
		// must end on websocket.
		wantInitial string
		// wantUpgrade says whether the engine must have upgraded.
		wantUpgrade bool
	}{
		// The client's own options: websocket from the first request on,
		// never polling.
		{name: "client-transports", transports: "", wantInitial: "websocket"},
		// Polling first (the library's default order), to check credentialed
		// cross-origin XHR and the upgrade to websocket in a real browser too.
		{name: "polling-first", transports: "polling,websocket", wantInitial: "polling", wantUpgrade: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email := "browser-" + tc.name + "@example.com"
			message := "Hello from Chromium — grüße 👋"
			q := url.Values{
				"backend":  {backend},
				"email":    {email},
				"password": {"correct horse battery"},
				"message":  {message},
			}
			if tc.transports != "" {
				q.Set("transports", tc.transports)
			}
			res := drive(t, pageOrigin+"/?"+q.Encode())
			t.Logf("%s: opened on %s, connected over %s, completed over %s, upgrades %q; %d ms in %s",
				tc.name, res.Chat.TransportInitial, res.Chat.TransportAtConnect, res.Chat.TransportAtComplete,
				res.Chat.Upgrades, res.ElapsedMS, res.UserAgent)
			checkTransport(t, res, tc.wantInitial, tc.wantUpgrade)
			checkChat(t, res, message)
			checkCookie(t, res)
			checkHistory(t, res, email, message)
		})
	}
}

// checkTransport checks which Engine.IO transports the page used
// (socket.io.engine.transport.name).
func checkTransport(t *testing.T, res driveResult, wantInitial string, wantUpgrade bool) {
	t.Helper()
	c := res.Chat
	if c.TransportInitial != wantInitial {
		t.Errorf("engine opened on %q, want %q", c.TransportInitial, wantInitial)
	}
	if c.TransportFinal != "websocket" {
		t.Errorf("transport at the end = %q, want websocket (upgrades %q)", c.TransportFinal, c.Upgrades)
	}
	if wantUpgrade {
		if !slices.Equal(c.Upgrades, []string{"websocket"}) {
			t.Errorf("upgrades = %q, want one to websocket", c.Upgrades)
		}
		return
	}
	// Websocket first: connected over it and stayed on it.
	if c.TransportAtConnect != "websocket" || c.TransportAtComplete != "websocket" || len(c.Upgrades) != 0 {
		t.Errorf("transport at connect %q, at message_complete %q, upgrades %q; want websocket throughout",
			c.TransportAtConnect, c.TransportAtComplete, c.Upgrades)
	}
}

// checkChat checks the streamed reply the page saw.
func checkChat(t *testing.T, res driveResult, message string) {
	t.Helper()
	c := res.Chat
	wantTokens := fakeai.Chunks(message, replyTokens)
	if !slices.Equal(c.Tokens, wantTokens) {
		t.Errorf("message_token texts, in order:\n got %q\nwant %q", c.Tokens, wantTokens)
	}
	if joined := strings.Join(c.Tokens, ""); joined != c.FullText {
		t.Errorf("tokens joined %q != full_text %q", joined, c.FullText)
	}
	if want := fakeai.Reply(message, replyTokens); c.FullText != want {
		t.Errorf("full_text = %q, want %q", c.FullText, want)
	}
	if c.MessageID <= 0 {
		t.Errorf("message_id = %d, want > 0", c.MessageID)
	}
	if n := len(c.Events); n == 0 || c.Events[n-1] != "message_complete" {
		t.Errorf("events = %q, want the tokens then message_complete last", c.Events)
	}
}

// checkCookie checks the session cookie as the browser stored it.
func checkCookie(t *testing.T, res driveResult) {
	t.Helper()
	for _, c := range res.Cookies {
		if c.Name != "session" {
			continue
		}
		if !c.HTTPOnly || c.SameSite != "Lax" || c.Path != "/" || c.Domain != "localhost" {
			t.Errorf("session cookie: httpOnly=%v sameSite=%q path=%q domain=%q; want HttpOnly, Lax, /, localhost",
				c.HTTPOnly, c.SameSite, c.Path, c.Domain)
		}
		return
	}
	t.Errorf("the browser holds no session cookie for the backend; cookies: %+v", res.Cookies)
}

// checkHistory checks what the page read over REST after the reload.
func checkHistory(t *testing.T, res driveResult, email, message string) {
	t.Helper()
	h := res.History
	if h.ChatID != res.Chat.ChatID {
		t.Errorf("history of chat %d, want chat %d", h.ChatID, res.Chat.ChatID)
	}
	if h.User.Email != email || h.User.ID != res.Chat.UserID {
		t.Errorf("after reload logged in as %d %q, want %d %q", h.User.ID, h.User.Email, res.Chat.UserID, email)
	}
	found := false
	for _, c := range h.Chats {
		if c.ID != res.Chat.ChatID {
			continue
		}
		found = true
		if c.MessageCount != 2 {
			t.Errorf("chat list: message_count = %d, want 2", c.MessageCount)
		}
		if c.Title != message {
			t.Errorf("chat list: title = %q, want the first message %q", c.Title, message)
		}
	}
	if !found {
		t.Errorf("chat %d missing from the chat list %+v", res.Chat.ChatID, h.Chats)
	}

	if len(h.Messages) != 2 {
		t.Fatalf("history has %d messages, want 2: %+v", len(h.Messages), h.Messages)
	}
	want := []struct{ role, content string }{
		{"user", message},
		{"assistant", res.Chat.FullText},
	}
	for i, m := range h.Messages {
		if m.Role != want[i].role || m.Content != want[i].content {
			t.Errorf("history[%d] = %s %q, want %s %q", i, m.Role, m.Content, want[i].role, want[i].content)
		}
		if m.ChatID != res.Chat.ChatID {
			t.Errorf("history[%d].chat_id = %d, want %d", i, m.ChatID, res.Chat.ChatID)
		}
		if _, err := time.Parse(time.RFC3339, m.Timestamp); err != nil {
			t.Errorf("history[%d].timestamp %q is not ISO 8601 with an offset: %v", i, m.Timestamp, err)
		}
	}
	if got := h.Messages[1].ID; got != res.Chat.MessageID {
		t.Errorf("stored assistant message id %d, message_complete said %d", got, res.Chat.MessageID)
	}
}

// lineLog writes whole lines to the test log.
type lineLog struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Flush logs a last line that had no newline.
func (l *lineLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}
