package metrics

import (
	"bufio"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape fetches m's exposition text as Prometheus would.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// value is the sample of series, written as exposed: name{labels sorted by name}.
func value(t *testing.T, body, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("series %s: %v", series, err)
			}
			return v
		}
	}
	t.Fatalf("series %s not exposed", series)
	return 0
}

func wantValue(t *testing.T, body, series string, want float64) {
	t.Helper()
	if got := value(t, body, series); got != want {
		t.Errorf("%s = %v; want %v", series, got, want)
	}
}

func TestRuntimeAndProcessCollectors(t *testing.T) {
	body := scrape(t, New())
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_open_fds"} {
		if !strings.Contains(body, "\n"+name+" ") {
			t.Errorf("%s not exposed", name)
		}
	}
}

func TestPrivateRegistries(t *testing.T) {
	// Two Metrics register the same names without panicking or sharing values.
	a, b := New(), New()
	a.SocketConnected()
	wantValue(t, scrape(t, a), "amanda_socketio_connections", 1)
	wantValue(t, scrape(t, b), "amanda_socketio_connections", 0)
}

func TestSocketConnections(t *testing.T) {
	m := New()
	m.SocketConnected()
	m.SocketConnected()
	m.SocketConnected()
	m.SocketDisconnected()
	wantValue(t, scrape(t, m), "amanda_socketio_connections", 2)
}

func TestRepliesInFlight(t *testing.T) {
	m := New()
	done1 := m.ReplyStarted()
	done2 := m.ReplyStarted()
	wantValue(t, scrape(t, m), "amanda_ai_replies_in_flight", 2)
	done1()
	done1() // counted once
	wantValue(t, scrape(t, m), "amanda_ai_replies_in_flight", 1)
	done2()
	wantValue(t, scrape(t, m), "amanda_ai_replies_in_flight", 0)
}

func TestTokensStreamed(t *testing.T) {
	m := New()
	m.TokensStreamed(1)
	m.TokensStreamed(41)
	m.TokensStreamed(0)
	m.TokensStreamed(-3) // ignored: a counter only grows
	wantValue(t, scrape(t, m), "amanda_ai_tokens_streamed_total", 42)
}

func TestTokensStreamedDoesNotAllocate(t *testing.T) {
	m := New()
	if n := testing.AllocsPerRun(1000, func() { m.TokensStreamed(1) }); n != 0 {
		t.Errorf("TokensStreamed allocates %v times per call; want 0", n)
	}
}

func TestAIErrors(t *testing.T) {
	m := New()
	body := scrape(t, m)
	// Every kind is exposed from the start, so rate() sees the first error.
	for _, kind := range []string{"unavailable", "timeout", "first_token_timeout", "stream", "other"} {
		wantValue(t, body, `amanda_ai_errors_total{kind="`+kind+`"}`, 0)
	}
	m.AIError("timeout")
	m.AIError("timeout")
	m.AIError("first_token_timeout")
	m.AIError("stream")
	m.AIError("unavailable")
	m.AIError("other")
	m.AIError("something new")
	body = scrape(t, m)
	wantValue(t, body, `amanda_ai_errors_total{kind="timeout"}`, 2)
	wantValue(t, body, `amanda_ai_errors_total{kind="first_token_timeout"}`, 1)
	wantValue(t, body, `amanda_ai_errors_total{kind="stream"}`, 1)
	wantValue(t, body, `amanda_ai_errors_total{kind="unavailable"}`, 1)
	wantValue(t, body, `amanda_ai_errors_total{kind="other"}`, 2)
	if strings.Contains(body, "something new") {
		t.Error("an unknown kind became a label value")
	}
}

func TestFirstToken(t *testing.T) {
	m := New()
	m.FirstToken(3 * time.Millisecond)
	m.FirstToken(800 * time.Millisecond)
	m.FirstToken(45 * time.Second)
	body := scrape(t, m)
	wantValue(t, body, "amanda_ai_first_token_seconds_count", 3)
	wantValue(t, body, "amanda_ai_first_token_seconds_sum", 45.803)
	wantValue(t, body, `amanda_ai_first_token_seconds_bucket{le="0.005"}`, 1)
	wantValue(t, body, `amanda_ai_first_token_seconds_bucket{le="1"}`, 2)
	wantValue(t, body, `amanda_ai_first_token_seconds_bucket{le="30"}`, 2)
	wantValue(t, body, `amanda_ai_first_token_seconds_bucket{le="+Inf"}`, 3)
}

func TestRateLimited(t *testing.T) {
	m := New()
	m.RateLimited("login")
	m.RateLimited("login")
	m.RateLimited("signup")
	m.RateLimited("sockets")
	body := scrape(t, m)
	wantValue(t, body, `amanda_ratelimit_rejections_total{scope="login"}`, 2)
	wantValue(t, body, `amanda_ratelimit_rejections_total{scope="signup"}`, 1)
	wantValue(t, body, `amanda_ratelimit_rejections_total{scope="messages"}`, 0)
	wantValue(t, body, `amanda_ratelimit_rejections_total{scope="other"}`, 1)
}

func TestRegisterPool(t *testing.T) {
	m := New()
	stats := PoolStats{InUse: 3, Idle: 2, MaxOpen: 10}
	m.RegisterPool("postgres", func() PoolStats { return stats })
	m.RegisterPool("sqlite_reader", func() PoolStats { return PoolStats{Idle: 4, MaxOpen: 4} })
	body := scrape(t, m)
	wantValue(t, body, `amanda_db_pool_connections{pool="postgres",state="in_use"}`, 3)
	wantValue(t, body, `amanda_db_pool_connections{pool="postgres",state="idle"}`, 2)
	wantValue(t, body, `amanda_db_pool_max_open_connections{pool="postgres"}`, 10)
	wantValue(t, body, `amanda_db_pool_connections{pool="sqlite_reader",state="idle"}`, 4)

	// Read at every scrape.
	stats = PoolStats{InUse: 7, Idle: 0, MaxOpen: 10}
	wantValue(t, scrape(t, m), `amanda_db_pool_connections{pool="postgres",state="in_use"}`, 7)
}

func TestRegisterPoolTwicePanics(t *testing.T) {
	m := New()
	m.RegisterPool("postgres", func() PoolStats { return PoolStats{} })
	defer func() {
		if recover() == nil {
			t.Error("registering a pool name twice did not panic")
		}
	}()
	m.RegisterPool("postgres", func() PoolStats { return PoolStats{} })
}

func BenchmarkTokensStreamed(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.TokensStreamed(1)
	}
}
