package server_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// eachAccountStore runs fn on SQLite with file sessions and on PostgreSQL
// with its session table, each with a fake model.
func eachAccountStore(t *testing.T, fn func(t *testing.T, srv *servertest.Server, databaseURL string)) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		sessionType := "filesystem"
		if strings.HasPrefix(databaseURL, "postgres") {
			sessionType = "sqlalchemy"
		}
		srv := servertest.Start(t, databaseURL, servertest.UseAI(t, fakeaitest.Start(t, fakeai.Options{Tokens: fakeTokens})),
			func(c *server.Config) { c.SessionType = sessionType })
		fn(t, srv, databaseURL)
	})
}

// loginAs is another browser signed in as email.
func loginAs(t *testing.T, srv *servertest.Server, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, srv)
	expect(t, b.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password}), http.StatusOK, "")
	return b
}

// changePassword is the body of POST /api/user/password.
func changePassword(current, replacement string) map[string]string {
	return map[string]string{"current_password": current, "new_password": replacement}
}

// expectSuccess checks a 200 {success: true, message}.
func expectSuccess(t *testing.T, r response, message string) {
	t.Helper()
	if r.Status != http.StatusOK || r.Body["success"] != true || r.Body["message"] != message {
		t.Fatalf("got %d %s, want 200 {success: true, message: %q}", r.Status, r.Raw, message)
	}
}

// expectDisconnected waits for the socket's disconnect, past whatever it
// was sent before.
func expectDisconnected(t *testing.T, c *sioClient) {
	t.Helper()
	c.until("disconnect")
}

// expectReply sends a message on the socket and checks the whole reply.
func expectReply(t *testing.T, c *sioClient, chatID int64, message string) {
	t.Helper()
	c.sendMessage(chatID, message)
	if got := strings.Join(tokensOf(t, c.until("message_complete")), ""); got != fakeai.Reply(message, fakeTokens) {
		t.Fatalf("the reply to %q streamed %q", message, got)
	}
}

func TestAccountRoutesRejectBadInput(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		srv := servertest.Start(t, databaseURL)
		alice := newBrowser(t, srv)
		alice.signup("alice@example.com", "password123")
		stranger := newBrowser(t, srv)
		for _, prefix := range []string{"/api", "/api/v1"} {
			expect(t, stranger.do("POST", prefix+"/user/password", changePassword("password123", "password456")), 401, "Authentication required")
			expect(t, stranger.do("DELETE", prefix+"/user", map[string]string{"password": "password123"}), 401, "Authentication required")
		}

		const bothRequired = "Current and new password are required"
		long := strings.Repeat("p", 1025)
		for name, tc := range map[string]struct {
			body    any
			status  int
			message string
		}{
			"no body":           {nil, 400, bothRequired},
			"malformed JSON":    {`{"current_password": "password123"`, 400, bothRequired},
			"an array":          {`["password123", "password456"]`, 400, bothRequired},
			"no fields":         {`{}`, 400, bothRequired},
			"no new password":   {map[string]string{"current_password": "password123"}, 400, bothRequired},
			"no current":        {map[string]string{"new_password": "password456"}, 400, bothRequired},
			"empty new":         {changePassword("password123", ""), 400, bothRequired},
			"empty current":     {changePassword("", "password456"), 400, bothRequired},
			"a number":          {`{"current_password": "password123", "new_password": 12345678}`, 400, bothRequired},
			"null current":      {`{"current_password": null, "new_password": "password456"}`, 400, bothRequired},
			"short new":         {changePassword("password123", "seven77"), 400, "Password must be at least 8 characters long"},
			"new over 1024":     {changePassword("password123", long), 400, "Password must be at most 1024 bytes long"},
			"current over 1024": {changePassword(long, "password456"), 400, "Password must be at most 1024 bytes long"},
			"wrong current":     {changePassword("password124", "password456"), 401, "Invalid password"},
		} {
			t.Run("password: "+name, func(t *testing.T) {
				expect(t, alice.do("POST", "/api/user/password", tc.body), tc.status, tc.message)
			})
		}
		expect(t, alice.do("POST", "/api/v1/user/password", changePassword("password124", "password456")), 401, "Invalid password")

		const passwordRequired = "Password is required"
		for name, tc := range map[string]struct {
			body    any
			status  int
			message string
		}{
			"no body":        {nil, 400, passwordRequired},
			"malformed JSON": {`{"password": `, 400, passwordRequired},
			"no password":    {`{}`, 400, passwordRequired},
			"empty":          {map[string]string{"password": ""}, 400, passwordRequired},
			"a number":       {`{"password": 12345678}`, 400, passwordRequired},
			"over 1024":      {map[string]string{"password": long}, 400, "Password must be at most 1024 bytes long"},
			"wrong":          {map[string]string{"password": "password124"}, 401, "Invalid password"},
		} {
			t.Run("delete: "+name, func(t *testing.T) {
				expect(t, alice.do("DELETE", "/api/user", tc.body), tc.status, tc.message)
			})
		}
		expect(t, alice.do("DELETE", "/api/v1/user", map[string]string{"password": "password124"}), 401, "Invalid password")

		// Nothing was changed or deleted: the session and the password hold.
		expect(t, alice.do("GET", "/api/user/profile", nil), http.StatusOK, "")
		loginAs(t, srv, "alice@example.com", "password123")
	})
}

func TestPasswordChangeEndsEveryOtherSession(t *testing.T) {
	eachAccountStore(t, func(t *testing.T, srv *servertest.Server, _ string) {
		alice := newChatUser(t, srv, "alice@example.com")
		callerSocket := alice.socket(t)
		phone := loginAs(t, srv, "alice@example.com", "password123")
		phoneSocket := newSIOClient(t)
		phoneSocket.mustConnect(srv, phone.sessionCookie(), "websocket")
		bob := newChatUser(t, srv, "bob@example.com")
		bobSocket := bob.socket(t)

		r := alice.do("POST", "/api/v1/user/password", changePassword("password123", "new-password-456"))
		expectSuccess(t, r, "Password changed")
		fresh := alice.sessionCookie()
		if fresh == "" || fresh == alice.cookie {
			t.Fatalf("the caller's cookie after the change is %q, want a fresh one", fresh)
		}

		// The other browser is signed out, and its socket is gone.
		expect(t, phone.do("GET", "/api/chat/list", nil), http.StatusUnauthorized, "Authentication required")
		expectDisconnected(t, phoneSocket)
		// The caller's old cookie is worthless; the new one works.
		if status := withCookie(t, srv, "/api/chat/list", alice.cookie); status != http.StatusUnauthorized {
			t.Errorf("the caller's old cookie answers %d, want 401", status)
		}
		expect(t, alice.do("GET", "/api/chat/list", nil), http.StatusOK, "")
		// The caller's socket lives on, under the new session.
		expectReply(t, callerSocket, alice.chatID, "still here after the change")
		// Another user notices nothing.
		expectReply(t, bobSocket, bob.chatID, "bob goes on")

		expect(t, newBrowser(t, srv).do("POST", "/api/auth/login", map[string]string{"email": "alice@example.com", "password": "password123"}),
			http.StatusUnauthorized, "Invalid email or password")
		loginAs(t, srv, "alice@example.com", "new-password-456")

		// The caller's socket outlives a logout of no one else, and ends
		// with its own new session.
		expect(t, alice.do("POST", "/api/auth/logout", nil), http.StatusOK, "")
		expectDisconnected(t, callerSocket)
	})
}

func TestAccountDeletionLeavesNothing(t *testing.T) {
	eachAccountStore(t, func(t *testing.T, srv *servertest.Server, databaseURL string) {
		alice := newChatUser(t, srv, "alice@example.com")
		aliceID := int64(alice.do("GET", "/api/user/profile", nil).Body["id"].(float64))
		aliceSocket := alice.socket(t)
		expectReply(t, aliceSocket, alice.chatID, "zanzibar in spring")
		alice.createChat() // an empty chat goes too
		phone := loginAs(t, srv, "alice@example.com", "password123")
		phoneSocket := newSIOClient(t)
		phoneSocket.mustConnect(srv, phone.sessionCookie(), "polling")
		bob := newChatUser(t, srv, "bob@example.com")
		bobSocket := bob.socket(t)
		expectReply(t, bobSocket, bob.chatID, "bob's own words")

		expectSuccess(t, alice.do("DELETE", "/api/user", map[string]string{"password": "password123"}), "Account deleted")
		if c := alice.sessionCookie(); c != "" {
			t.Errorf("the session cookie is %q after the deletion, want it cleared", c)
		}
		expectDisconnected(t, aliceSocket)
		expectDisconnected(t, phoneSocket)
		expect(t, phone.do("GET", "/api/chat/list", nil), http.StatusUnauthorized, "Authentication required")
		if status := withCookie(t, srv, "/api/chat/list", alice.cookie); status != http.StatusUnauthorized {
			t.Errorf("the deleted user's cookie answers %d, want 401", status)
		}
		for table, n := range storetest.UserTraces(t, databaseURL, aliceID, "alice@example.com", "zanzibar") {
			if n != 0 {
				t.Errorf("%d rows of the deleted user left in %s", n, table)
			}
		}

		// Bob keeps everything.
		expectReply(t, bobSocket, bob.chatID, "bob goes on")
		if stored := bob.storedMessages(t); len(stored) != 4 {
			t.Errorf("bob has %d messages, want 4", len(stored))
		}

		// The email is free again, for a new account with nothing in it.
		again := newBrowser(t, srv)
		if id := again.signup("alice@example.com", "another-password"); id == aliceID {
			t.Errorf("the new account took the deleted one's id %d", id)
		}
		if r := again.do("GET", "/api/chat/list", nil); len(r.Body["chats"].([]any)) != 0 {
			t.Errorf("the new account sees chats: %s", r.Raw)
		}
	})
}

func TestAccountDeletionStopsAStreamingReply(t *testing.T) {
	eachAccountStore(t, func(t *testing.T, srv *servertest.Server, databaseURL string) {
		alice := newChatUser(t, srv, "alice@example.com")
		aliceID := int64(alice.do("GET", "/api/user/profile", nil).Body["id"].(float64))
		c := alice.socket(t)
		// Eight tokens two seconds apart: unstopped, the reply would run 16 s.
		c.sendMessage(alice.chatID, "zanzibar at length [slow:2000]")
		if e := c.next(); e.Event != "message_token" {
			t.Fatalf("got %s %s", e.Event, e.Data)
		}
		expectSuccess(t, alice.do("DELETE", "/api/user", map[string]string{"password": "password123"}), "Account deleted")
		// Counted from the answer: checking the password takes seconds under -race.
		deleted := time.Now()
		expectDisconnected(t, c)
		// The stopped turn tries to store what streamed; wait until it is over.
		for metric(t, srv, "amanda_ai_replies_in_flight") != 0 {
			if time.Since(deleted) > 5*time.Second {
				t.Fatal("the reply went on after its user was deleted")
			}
			time.Sleep(20 * time.Millisecond)
		}
		for table, n := range storetest.UserTraces(t, databaseURL, aliceID, "alice@example.com", "zanzibar") {
			if n != 0 {
				t.Errorf("%d rows of the deleted user left in %s after the stopped reply", n, table)
			}
		}
		// The service goes on for everyone else.
		bob := newChatUser(t, srv, "bob@example.com")
		expectReply(t, bob.socket(t), bob.chatID, "hello")
	})
}

func TestAccountRoutesCountAgainstTheLoginLimits(t *testing.T) {
	t.Run("per IP", func(t *testing.T) {
		srv := servertest.StartSQLite(t, withLimits)
		alice := newBrowser(t, srv)
		alice.signup("alice@example.com", "password123")
		expect(t, alice.do("POST", "/api/user/password", changePassword("wrong-password", "password456")), 401, "Invalid password")
		expect(t, alice.do("DELETE", "/api/user", map[string]string{"password": "wrong-password"}), 401, "Invalid password")
		expect(t, alice.do("POST", "/api/auth/login", map[string]string{"email": "alice@example.com", "password": "wrong-password"}), 401, "")
		expectTooMany(t, alice.do("POST", "/api/user/password", changePassword("password123", "password456")))
		expectTooMany(t, alice.do("DELETE", "/api/user", map[string]string{"password": "password123"}))
		expect(t, alice.do("GET", "/api/user/profile", nil), http.StatusOK, "")
	})
	t.Run("per email, from many addresses", func(t *testing.T) {
		srv := servertest.StartSQLite(t, withLimits, func(c *server.Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		})
		alice := newBrowser(t, srv)
		alice.signup("alice@example.com", "password123")
		from := func(i int) http.Header { return http.Header{"X-Forwarded-For": {fmt.Sprintf("203.0.113.%d", i)}} }
		expect(t, alice.doWithHeader("POST", "/api/user/password", changePassword("wrong-password", "password456"), from(1)), 401, "Invalid password")
		expect(t, alice.doWithHeader("DELETE", "/api/user", map[string]string{"password": "wrong-password"}, from(2)), 401, "Invalid password")
		expect(t, alice.doWithHeader("POST", "/api/user/password", changePassword("wrong-password", "password456"), from(3)), 401, "Invalid password")
		// The account's budget is spent, for these routes and for logins.
		expectTooMany(t, alice.doWithHeader("DELETE", "/api/user", map[string]string{"password": "password123"}, from(4)))
		expectTooMany(t, newBrowser(t, srv).doWithHeader("POST", "/api/auth/login",
			map[string]string{"email": "alice@example.com", "password": "password123"}, from(5)))
	})
}
