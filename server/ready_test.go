package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// TestReadyFollowsTheDatabase takes the PostgreSQL database away under a
// running service and brings it back: /ready flips to 503 and back to 200,
// and requests recover with no restart.
func TestReadyFollowsTheDatabase(t *testing.T) {
	databaseURL := storetest.EmptyPostgres(t)
	srv := servertest.Start(t, databaseURL)
	b := newBrowser(t, srv)
	b.signup("ready@example.com", "password123")
	expect(t, b.do("GET", "/ready", nil), 200, "")

	name, admin := databaseName(databaseURL)
	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS false`)
	storetest.Exec(t, admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name)
	t.Cleanup(func() { storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`) })

	r := b.do("GET", "/ready", nil)
	if r.Status != 503 || r.Body["status"] != "unavailable" {
		t.Fatalf("/ready with the database gone: %d %s", r.Status, r.Raw)
	}
	// The client sees the contract's generic error, not the cause.
	r = b.do("GET", "/api/chat/list", nil)
	expect(t, r, 500, "Internal server error")
	if strings.Contains(string(r.Raw), "connect") || strings.Contains(string(r.Raw), "database") {
		t.Fatalf("the cause leaked to the client: %s", r.Raw)
	}
	if got := b.do("GET", "/health", nil).Status; got != 200 {
		t.Fatalf("/health is about the process, not the database: %d", got)
	}

	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`)
	deadline := time.Now().Add(10 * time.Second)
	for b.do("GET", "/ready", nil).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/ready did not recover when the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, b.do("GET", "/api/chat/list", nil), 200, "")
}

// TestSocketsSurviveTheDatabaseGoingAway: a message while PostgreSQL is
// away gets a clear error, and the same socket works once it is back.
func TestSocketsSurviveTheDatabaseGoingAway(t *testing.T) {
	databaseURL := storetest.EmptyPostgres(t)
	srv := servertest.Start(t, databaseURL, servertest.UseAI(t, fakeaitest.Start(t, fakeai.Options{Tokens: fakeTokens})))
	u := newChatUser(t, srv, "dbgone@example.com")
	c := u.socket(t)

	name, admin := databaseName(databaseURL)
	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS false`)
	storetest.Exec(t, admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name)
	t.Cleanup(func() { storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`) })

	c.sendMessage(u.chatID, "anyone?")
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "Service temporarily unavailable. Please try again later." {
		t.Fatalf("with the database away: %s %s", e.Event, e.Data)
	}

	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`)
	c.sendUntilReplied(u.chatID, "back?", 10*time.Second)
}

// databaseName splits a test database URL into its name and the URL of
// the maintenance database on the same server.
func databaseName(databaseURL string) (name, admin string) {
	u, _ := url.Parse(databaseURL)
	name = strings.TrimPrefix(u.Path, "/")
	return name, strings.Replace(databaseURL, "/"+name, "/postgres", 1)
}
