package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/ratelimit"
	"github.com/amanda-platform/amanda-backend/redistest"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
)

// withLimits turns the rate limits on with small numbers.
func withLimits(c *server.Config) {
	c.RateLimitEnabled = true
	c.RateLimitLogin = ratelimit.Rate{Limit: 3, Period: time.Minute}
	c.RateLimitSignup = ratelimit.Rate{Limit: 2, Period: time.Minute}
	c.RateLimitMessages = ratelimit.Rate{Limit: 2, Period: time.Minute}
}

// expectTooMany checks the contract's 429.
func expectTooMany(t *testing.T, r response) {
	t.Helper()
	expect(t, r, http.StatusTooManyRequests, "Too many requests. Please try again later.")
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
}

func TestSignupIsLimitedPerIP(t *testing.T) {
	srv := servertest.StartSQLite(t, withLimits)
	for i := range 2 {
		newBrowser(t, srv).signup(fmt.Sprintf("s%d@example.com", i), "password123")
	}
	expectTooMany(t, newBrowser(t, srv).do("POST", "/api/auth/signup", map[string]string{"email": "s9@example.com", "password": "password123"}))
}

// Two instances on one RATELIMIT_STORAGE_URI spend one budget.
func TestLimitsAreSharedThroughRedis(t *testing.T) {
	opts := redistest.Options(t, 14, ratelimit.KeyPrefix+"*")
	shared := func(c *server.Config) { c.RateLimitStorage = ratelimit.Storage{Redis: opts} }
	a := servertest.StartSQLite(t, withLimits, shared)
	b := servertest.StartSQLite(t, withLimits, shared)
	newBrowser(t, a).signup("a@example.com", "password123")
	newBrowser(t, b).signup("b@example.com", "password123")
	expectTooMany(t, newBrowser(t, a).do("POST", "/api/auth/signup", map[string]string{"email": "c@example.com", "password": "password123"}))
	if v := metric(t, a, "amanda_ratelimit_storage_degraded"); v != 0 {
		t.Errorf("amanda_ratelimit_storage_degraded = %v with Redis up; want 0", v)
	}
}

// A Redis down at start-up neither stops the service nor lifts its limits.
func TestLimitsApplyWithRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	srv := servertest.StartSQLite(t, withLimits, func(c *server.Config) {
		c.RateLimitStorage = ratelimit.Storage{Redis: &redis.Options{Addr: down}}
	})
	for i := range 2 {
		newBrowser(t, srv).signup(fmt.Sprintf("s%d@example.com", i), "password123")
	}
	expectTooMany(t, newBrowser(t, srv).do("POST", "/api/auth/signup", map[string]string{"email": "s9@example.com", "password": "password123"}))
	if v := metric(t, srv, "amanda_ratelimit_storage_degraded"); v != 1 {
		t.Errorf("amanda_ratelimit_storage_degraded = %v with Redis down; want 1", v)
	}
	if v := metric(t, srv, "amanda_ratelimit_storage_errors_total"); v < 1 {
		t.Errorf("amanda_ratelimit_storage_errors_total = %v with Redis down; want at least 1", v)
	}
}

func TestLoginIsLimitedPerIPAndPerEmail(t *testing.T) {
	t.Run("per email, from many addresses", func(t *testing.T) {
		// Behind a trusted proxy each attempt comes from another client address.
		srv := servertest.StartSQLite(t, withLimits, func(c *server.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
		newBrowser(t, srv).signup("victim@example.com", "password123")
		login := func(ip, email string) response {
			b := newBrowser(t, srv)
			return b.doWithHeader("POST", "/api/auth/login", map[string]string{"email": email, "password": "wrong-password"},
				http.Header{"X-Forwarded-For": {ip}})
		}
		for i := range 3 {
			expect(t, login(fmt.Sprintf("203.0.113.%d", i), "victim@example.com"), 401, "Invalid email or password")
		}
		expectTooMany(t, login("203.0.113.99", "VICTIM@example.com"))
		// Another account from a fresh address is not affected.
		expect(t, login("203.0.113.100", "someone@example.com"), 401, "Invalid email or password")
	})
	t.Run("per IP, across emails", func(t *testing.T) {
		srv := servertest.StartSQLite(t, withLimits)
		b := newBrowser(t, srv)
		for i := range 3 {
			expect(t, b.do("POST", "/api/auth/login", map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "password": "password123"}), 401, "")
		}
		expectTooMany(t, b.do("POST", "/api/auth/login", map[string]string{"email": "u9@example.com", "password": "password123"}))
	})
	t.Run("X-Forwarded-For from an untrusted peer is ignored", func(t *testing.T) {
		srv := servertest.StartSQLite(t, withLimits)
		b := newBrowser(t, srv)
		for i := range 3 {
			b.doWithHeader("POST", "/api/auth/login", map[string]string{"email": "x@example.com", "password": "password123"},
				http.Header{"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d", i)}})
		}
		expectTooMany(t, b.doWithHeader("POST", "/api/auth/login", map[string]string{"email": "y@example.com", "password": "password123"},
			http.Header{"X-Forwarded-For": {"198.51.100.200"}}))
	})
	t.Run("off with RATELIMIT_ENABLED=false", func(t *testing.T) {
		srv := servertest.StartSQLite(t, withLimits, func(c *server.Config) { c.RateLimitEnabled = false })
		b := newBrowser(t, srv)
		for range 6 {
			expect(t, b.do("POST", "/api/auth/login", map[string]string{"email": "z@example.com", "password": "password123"}), 401, "")
		}
	})
}

func TestMessagesAreLimitedPerUser(t *testing.T) {
	u, c := chatSocket(t, "chatty@example.com", fakeai.Options{Tokens: 2}, withLimits)
	for i := range 2 {
		c.sendMessage(u.chatID, fmt.Sprint("message ", i))
		c.until("message_complete")
	}
	c.sendMessage(u.chatID, "one too many")
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "Too many requests. Please try again later." {
		t.Fatalf("got %s %s", e.Event, e.Data)
	}
	if n := len(u.storedMessages(t)); n != 4 {
		t.Fatalf("stored %d messages, want 4", n)
	}
}

// metricsPage is GET /metrics.
func metricsPage(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// metric is the value of one sample of GET /metrics, e.g.
// `amanda_socketio_refused_total{reason="oversized"}`.
func metric(t *testing.T, srv *servertest.Server, sample string) float64 {
	t.Helper()
	for _, line := range strings.Split(metricsPage(t, srv), "\n") {
		if value, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	t.Fatalf("/metrics has no %s", sample)
	return 0
}

func TestMetricsEndpoint(t *testing.T) {
	u, c := chatSocket(t, "metrics@example.com", fakeai.Options{Tokens: 3})
	srv := u.srv
	c.sendMessage(u.chatID, "count me")
	c.until("message_complete")

	body := metricsPage(t, srv)
	for _, want := range []string{
		`amanda_http_requests_total{method="POST",route="/api/chat/create",status="201"} 1`,
		`amanda_socketio_connections 1`,
		`amanda_ai_tokens_streamed_total 3`,
		`amanda_ai_first_token_seconds_count 1`,
		`amanda_ai_replies_in_flight 0`,
		`amanda_db_pool_connections{pool="main",state="idle"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
