package server_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/redistest"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// startFleet runs two instances that share one PostgreSQL database (and
// its session table), the machine's Redis and one fake model.
func startFleet(t *testing.T, opts fakeai.Options, configure ...func(*server.Config)) (a, b *servertest.Server) {
	t.Helper()
	// Redis must be up (fail under CI, skip elsewhere); the fleet's keys
	// (leases, turn logs) are the test's.
	redistest.Options(t, 0, "amanda:*")
	_, databaseURL := storetest.Postgres(t)
	shared := append([]func(*server.Config){servertest.UseAI(t, fakeaitest.Start(t, opts)), fleetConfig(t, redistest.URL)}, configure...)
	return servertest.Start(t, databaseURL, shared...), servertest.Start(t, databaseURL, shared...)
}

// fleetConfig makes an instance one of a fleet: sessions in the shared
// database, Socket.IO's message queue and the rate limits' counts in the
// Redis at redisURL, the loopback balancer trusted for X-Forwarded-For.
func fleetConfig(t *testing.T, redisURL string) func(*server.Config) {
	return func(c *server.Config) {
		c.SessionType = "sqlalchemy"
		if err := c.SocketIOMessageQueue.EnvDecode(t.Context(), redisURL); err != nil {
			t.Fatal(err)
		}
		if err := c.RateLimitStorage.UnmarshalText([]byte(redisURL)); err != nil {
			t.Fatal(err)
		}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
}

func TestFleetLogoutOnOneEndsTheSocketOnTheOther(t *testing.T) {
	a, b := startFleet(t, fakeai.Options{Tokens: fakeTokens})
	u := newChatUser(t, a, "fleet-logout@example.com")
	onB := newSIOClient(t)
	onB.mustConnect(b, u.cookie, "websocket")
	start := time.Now()
	expect(t, u.do("POST", "/api/auth/logout", nil), 200, "")
	if e := onB.next(); e.Event != "disconnect" {
		t.Fatalf("the socket on B got %s %s", e.Event, e.Data)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the socket on B was disconnected %s after the logout on A", took)
	}
}

func TestFleetCountsAUsersSocketsOnEveryInstance(t *testing.T) {
	a, b := startFleet(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.MaxSocketsPerUser = 2 })
	u := newChatUser(t, a, "fleet-sockets@example.com")
	newSIOClient(t).mustConnect(a, u.cookie, "websocket")
	newSIOClient(t).mustConnect(b, u.cookie, "websocket")
	third := newSIOClient(t)
	third.connect(a, u.cookie, testOrigin, "websocket")
	if e := third.next(); e.Event != "connect_error" || e.field(t, "message") != "Too many connections" {
		t.Fatalf("a third socket: %s %s", e.Event, e.Data)
	}
}

func TestFleetRunsOneChatsTurnsOneAtATime(t *testing.T) {
	a, b := startFleet(t, fakeai.Options{Tokens: fakeTokens, Delay: 20 * time.Millisecond})
	u := newChatUser(t, a, "fleet-order@example.com")
	onA, onB := newSIOClient(t), newSIOClient(t)
	onA.mustConnect(a, u.cookie, "websocket")
	onB.mustConnect(b, u.cookie, "polling")
	onA.sendMessage(u.chatID, "from the first tab")
	onB.sendMessage(u.chatID, "from the second tab")
	replies := map[string]string{}
	for name, c := range map[string]*sioClient{"from the first tab": onA, "from the second tab": onB} {
		events := c.until("message_complete")
		got := strings.Join(tokensOf(t, events), "")
		if want := fakeai.Reply(name, fakeTokens); got != want {
			t.Fatalf("the reply to %q streamed %q, want %q", name, got, want)
		}
		replies[name] = got
	}
	// Stored one turn after the other: never two questions in a row.
	stored := u.storedMessages(t)
	if len(stored) != 4 {
		t.Fatalf("stored %d messages", len(stored))
	}
	for i := 0; i < 4; i += 2 {
		question, answer := stored[i], stored[i+1]
		if question["role"] != "user" || answer["role"] != "assistant" || answer["content"] != replies[question["content"].(string)] {
			t.Fatalf("stored out of turn: %v", stored)
		}
	}
}

func TestFleetStopsATurnFromAnotherInstance(t *testing.T) {
	a, b := startFleet(t, fakeai.Options{Tokens: fakeTokens})
	u := newChatUser(t, a, "fleet-stop@example.com")
	onA, onB := newSIOClient(t), newSIOClient(t)
	onA.mustConnect(a, u.cookie, "websocket")
	onB.mustConnect(b, u.cookie, "websocket")
	msg := "a very long answer please [slow:200]"
	onA.sendMessage(u.chatID, msg)
	if e := onA.next(); e.Event != "message_token" {
		t.Fatalf("got %s %s", e.Event, e.Data)
	}
	// B runs no turn of the chat; it learns of A's from the chat's lease.
	onB.emit("stop_generation", map[string]any{"chat_id": u.chatID})
	events := onA.until("message_complete")
	done := events[len(events)-1]
	streamed := strings.Join(append([]string{fakeai.Chunks(msg, fakeTokens)[0]}, tokensOf(t, events)...), "")
	if done.field(t, "stopped") != true || done.field(t, "full_text") != streamed || len(streamed) >= len(fakeai.Reply(msg, fakeTokens)) {
		t.Fatalf("the reply on A after a stop from B: %s", done.Data)
	}
	stored := u.storedMessages(t)
	if len(stored) != 2 || stored[1]["content"] != streamed {
		t.Fatalf("stored %v, want what streamed", stored)
	}
}

func TestFleetPasswordChangeKeepsOnlyTheCallersSockets(t *testing.T) {
	a, b := startFleet(t, fakeai.Options{Tokens: fakeTokens})
	u := newChatUser(t, a, "fleet-password@example.com")
	callerOnB := newSIOClient(t)
	callerOnB.mustConnect(b, u.cookie, "websocket")
	other := loginAs(t, a, "fleet-password@example.com", "password123")
	otherOnB := newSIOClient(t)
	otherOnB.mustConnect(b, other.sessionCookie(), "websocket")

	expectSuccess(t, u.do("POST", "/api/user/password", changePassword("password123", "fleet-password-2")), "Password changed")
	start := time.Now()
	expectDisconnected(t, otherOnB)
	if took := time.Since(start); took > time.Second {
		t.Errorf("the other session's socket on B was disconnected %s after the change on A", took)
	}
	// The caller's socket on B now lives by the caller's fresh session:
	// its events are re-checked against it and answered.
	expectReply(t, callerOnB, u.chatID, "still here on B")
	expect(t, other.do("GET", "/api/chat/list", nil), 401, "Authentication required")
	// Ending the fresh session ends that socket too, from either instance.
	expect(t, u.do("POST", "/api/auth/logout", nil), 200, "")
	expectDisconnected(t, callerOnB)
}
