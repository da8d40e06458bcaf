package server_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// waitReady polls /ready until it answers want, failing after d.
func waitReady(t *testing.T, b *browser, want int, d time.Duration) response {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		r := b.do("GET", "/ready", nil)
		if r.Status == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("/ready still answers %d %s after %s", r.Status, r.Raw, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDrainAnswersNotReadyWhileRepliesFinish is a rolling restart's half:
// from the moment SIGTERM arrives /ready is 503 and new sessions are
// refused, while the reply streaming finishes and requests are answered.
func TestDrainAnswersNotReadyWhileRepliesFinish(t *testing.T) {
	u, c := chatSocket(t, "drain@example.com", fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.ShutdownTimeout.Duration = 20 * time.Second })
	srv := u.srv
	msg := "slowly [slow:150]"
	c.sendMessage(u.chatID, msg)
	if e := c.next(); e.Event != "message_token" {
		t.Fatalf("got %s", e.Event)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown() }()

	r := waitReady(t, u.browser, http.StatusServiceUnavailable, 2*time.Second)
	if r.Body["shutdown"] != "in progress" {
		t.Fatalf("/ready during the drain: %s", r.Raw)
	}
	expect(t, u.do("GET", "/api/chat/list", nil), http.StatusOK, "")
	p := polling{t: t, srv: srv, cookie: u.cookie}
	if _, status, _ := p.handshake(); status != http.StatusServiceUnavailable {
		t.Fatalf("a new session during the drain: %d", status)
	}
	events := c.until("disconnect")
	if got := strings.Join(tokensOf(t, events), ""); !strings.HasSuffix(fakeai.Reply(msg, fakeTokens), got) || events[len(events)-2].Event != "message_complete" {
		t.Fatalf("the reply did not finish before the socket closed: %q", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	assertStoredReply(t, srv, u.chatID, fakeai.Reply(msg, fakeTokens))
}

// TestStartsWithTheDatabaseDown: PostgreSQL refusing connections at
// start-up does not stop the process; it serves /health, answers /ready
// 503 and, once the database is back, migrates it and serves.
func TestStartsWithTheDatabaseDown(t *testing.T) {
	databaseURL := storetest.EmptyPostgres(t)
	name, admin := databaseName(databaseURL)
	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS false`)
	t.Cleanup(func() { storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`) })

	srv := servertest.Start(t, databaseURL)
	b := newBrowser(t, srv)
	if got := b.do("GET", "/health", nil).Status; got != http.StatusOK {
		t.Fatalf("/health with the database down: %d", got)
	}
	if r := b.do("GET", "/ready", nil); r.Status != http.StatusServiceUnavailable || r.Body["database"] != "unreachable" {
		t.Fatalf("/ready with the database down: %d %s", r.Status, r.Raw)
	}
	expect(t, b.do("POST", "/api/auth/signup", map[string]string{"email": "early@example.com", "password": "password123"}), 500, "Internal server error")

	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`)
	waitReady(t, b, http.StatusOK, 20*time.Second)
	b.signup("later@example.com", "password123")
	b.createChat()
}

// TestStartsWithRedisDown: a session Redis that does not answer at
// start-up does not stop the process either; /ready names it.
func TestStartsWithRedisDown(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close() // nothing listens there now
	srv := servertest.StartSQLite(t, func(c *server.Config) {
		c.SessionType, c.SessionRedis = "redis", "redis://"+addr+"/0"
		if err := c.SocketIOMessageQueue.EnvDecode(t.Context(), "redis://"+addr+"/0"); err != nil {
			t.Fatal(err)
		}
	})
	b := newBrowser(t, srv)
	if got := b.do("GET", "/health", nil).Status; got != http.StatusOK {
		t.Fatalf("/health with Redis down: %d", got)
	}
	r := b.do("GET", "/ready", nil)
	// The fleet's Redis is down too, but the instance serves without it.
	if r.Status != http.StatusServiceUnavailable || r.Body["sessions"] != "unreachable" || r.Body["message_queue"] != nil {
		t.Fatalf("/ready with Redis down: %d %s", r.Status, r.Raw)
	}
}
