package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
)

const fakeTokens = 8

// transports are the two ways the client may talk: each test runs on both
// where the transport matters.
var transports = map[string][]string{"websocket": {"websocket"}, "polling": {"polling"}}

// chatUser is a signed-up browser with a chat of its own.
type chatUser struct {
	*browser
	srv    *servertest.Server
	chatID int64
	cookie string
}

func newChatUser(t testing.TB, srv *servertest.Server, email string) chatUser {
	b := newBrowser(t, srv)
	b.signup(email, "password123")
	return chatUser{browser: b, srv: srv, chatID: b.createChat(), cookie: b.sessionCookie()}
}

// socket is a socket.io-client connected as the user over WebSocket.
func (u chatUser) socket(t *testing.T) *sioClient {
	t.Helper()
	c := newSIOClient(t)
	c.mustConnect(u.srv, u.cookie, "websocket")
	return c
}

// storedMessages reads the chat's history over REST.
func (u chatUser) storedMessages(t testing.TB) []map[string]any {
	t.Helper()
	r := u.do("GET", fmt.Sprintf("/api/chat/%d/messages", u.chatID), nil)
	expect(t, r, 200, "")
	var out []map[string]any
	for _, m := range r.Body["messages"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

// chatSocket runs the service with a fake model and signs a user up with a
// chat and a socket of its own.
func chatSocket(t *testing.T, email string, opts fakeai.Options, configure ...func(*server.Config)) (chatUser, *sioClient) {
	t.Helper()
	u := newChatUser(t, startChatServer(t, opts, configure...), email)
	return u, u.socket(t)
}

// startChatServer runs the service with a fake model.
func startChatServer(t testing.TB, opts fakeai.Options, configure ...func(*server.Config)) *servertest.Server {
	addr := fakeaitest.Start(t, opts)
	return servertest.StartSQLite(t, append([]func(*server.Config){servertest.UseAI(t, addr)}, configure...)...)
}

// tokensOf joins the message_token texts among events.
func tokensOf(t *testing.T, events []sioEvent) []string {
	var tokens []string
	for _, e := range events {
		if e.Event == "message_token" {
			tokens = append(tokens, e.field(t, "text").(string))
		}
	}
	return tokens
}

func TestSocketConnectNeedsSession(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens})
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			for _, cookie := range []string{"", "forged-value"} {
				c := newSIOClient(t)
				c.connect(srv, cookie, testOrigin, tr...)
				e := c.next()
				if e.Event != "connect_error" || e.field(t, "message") != "Connection rejected by server" {
					t.Fatalf("cookie %q: got %s %s", cookie, e.Event, e.Data)
				}
			}
		})
	}
}

func TestSocketRefusesForeignOrigin(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens})
	u := newChatUser(t, srv, "origin@example.com")
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			c := newSIOClient(t)
			c.connect(srv, u.cookie, "http://evil.example", tr...)
			if e := c.next(); e.Event != "connect_error" {
				t.Fatalf("a foreign origin connected: %s %s", e.Event, e.Data)
			}
		})
	}
}

func TestSendMessageStreamsAndStores(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens, Delay: time.Millisecond})
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			u := newChatUser(t, srv, name+"@example.com")
			c := newSIOClient(t)
			c.mustConnect(srv, u.cookie, tr...)

			first := "  I keep arguing with my partner about chores and money lately  "
			c.sendMessage(u.chatID, first)
			events := c.until("message_complete")
			want := fakeai.Chunks(strings.TrimSpace(first), fakeTokens)
			if got := tokensOf(t, events); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("tokens %q, want %q", got, want)
			}
			done := events[len(events)-1]
			if done.field(t, "full_text") != strings.Join(want, "") {
				t.Fatalf("full_text %v", done.field(t, "full_text"))
			}
			for _, e := range events {
				if e.Event == "error" {
					t.Fatalf("error during stream: %s", e.Data)
				}
			}

			// The chat id may also come as a decimal string.
			c.emit("send_message", map[string]any{"chat_id": fmt.Sprint(u.chatID), "message": "second"})
			c.until("message_complete")

			stored := u.storedMessages(t)
			if len(stored) != 4 {
				t.Fatalf("stored %d messages, want 4", len(stored))
			}
			if stored[0]["role"] != "user" || stored[0]["content"] != strings.TrimSpace(first) ||
				stored[1]["role"] != "assistant" || stored[1]["content"] != strings.Join(want, "") {
				t.Fatalf("stored turn: %v", stored[:2])
			}
			if stored[1]["id"] != done.field(t, "message_id") {
				t.Fatalf("message_id %v is not the stored reply %v", done.field(t, "message_id"), stored[1]["id"])
			}
			r := u.do("GET", "/api/chat/list", nil)
			if title := r.Body["chats"].([]any)[0].(map[string]any)["title"]; title != "I keep arguing with my partner about..." {
				t.Fatalf("title %q", title)
			}
		})
	}
}

func TestSendMessageRejectsBadInput(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens})
	u := newChatUser(t, srv, "bad@example.com")
	other := newChatUser(t, srv, "other@example.com")
	c := u.socket(t)

	cases := []struct {
		name string
		data any
		msg  string
	}{
		{"not an object", "hello", "Invalid message data"},
		{"missing chat_id", map[string]any{"message": "hi"}, "Invalid message data"},
		{"missing message", map[string]any{"chat_id": u.chatID}, "Invalid message data"},
		{"message is a number", map[string]any{"chat_id": u.chatID, "message": 5}, "Invalid message data"},
		{"chat_id is a word", map[string]any{"chat_id": "abc", "message": "hi"}, "Invalid message data"},
		{"chat_id is fractional", map[string]any{"chat_id": 1.5, "message": "hi"}, "Invalid message data"},
		{"chat_id is a list", map[string]any{"chat_id": []int{1}, "message": "hi"}, "Invalid message data"},
		{"blank message", map[string]any{"chat_id": u.chatID, "message": " \n\t "}, "Message cannot be empty"},
		{"message over 32 KiB", map[string]any{"chat_id": u.chatID, "message": strings.Repeat("x", 32<<10+1)}, "Message is too long"},
		{"unknown chat", map[string]any{"chat_id": 999999, "message": "hi"}, "Chat not found"},
		{"another user's chat", map[string]any{"chat_id": other.chatID, "message": "hi"}, "Access denied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.emit("send_message", tc.data)
			e := c.next()
			if e.Event != "error" || e.field(t, "message") != tc.msg {
				t.Fatalf("got %s %s, want error %q", e.Event, e.Data, tc.msg)
			}
		})
	}
	if n := len(u.storedMessages(t)) + len(other.storedMessages(t)); n != 0 {
		t.Fatalf("rejected messages were stored: %d", n)
	}
}

func TestAIBackendDown(t *testing.T) {
	// A port nothing listens on.
	addr, stop, err := fakeai.Start("", fakeai.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	srv := servertest.StartSQLite(t, servertest.UseAI(t, addr))
	u := newChatUser(t, srv, "down@example.com")
	c := u.socket(t)
	c.sendMessage(u.chatID, "is anyone there?")
	e := c.next()
	if e.Event != "error" || e.field(t, "message") != "AI service unavailable. Please try again later." {
		t.Fatalf("got %s %s", e.Event, e.Data)
	}
	stored := u.storedMessages(t)
	if len(stored) != 1 || stored[0]["content"] != "is anyone there?" {
		t.Fatalf("the user's message was lost: %v", stored)
	}
}

func TestAIStreamFailsMidway(t *testing.T) {
	u, c := chatSocket(t, "midway@example.com", fakeai.Options{Tokens: fakeTokens})
	msg := "tell me something [fail-after:3]"
	c.sendMessage(u.chatID, msg)
	events := c.until("error")
	if last := events[len(events)-1]; last.field(t, "message") != "AI service unavailable. Please try again later." {
		t.Fatalf("error %s", last.Data)
	}
	partial := strings.Join(fakeai.Chunks(msg, fakeTokens)[:3], "")
	if got := strings.Join(tokensOf(t, events), ""); got != partial {
		t.Fatalf("tokens %q, want %q", got, partial)
	}
	stored := u.storedMessages(t)
	if len(stored) != 2 || stored[1]["role"] != "assistant" || stored[1]["content"] != partial {
		t.Fatalf("partial reply not stored: %v", stored)
	}
}

func TestReplyIsStoredWhenClientLeaves(t *testing.T) {
	u, c := chatSocket(t, "leaver@example.com", fakeai.Options{Tokens: fakeTokens})
	msg := "a long answer please [slow:40]"
	c.sendMessage(u.chatID, msg)
	if e := c.next(); e.Event != "message_token" {
		t.Fatalf("got %s", e.Event)
	}
	c.disconnect()

	want := fakeai.Reply(msg, fakeTokens)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		stored := u.storedMessages(t)
		if len(stored) == 2 {
			if stored[1]["content"] != want {
				t.Fatalf("stored reply %q, want %q", stored[1]["content"], want)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the reply was not stored after the client left")
}

func TestMessagesInOneChatAreHandledInOrder(t *testing.T) {
	u, c := chatSocket(t, "order@example.com", fakeai.Options{Tokens: fakeTokens, Delay: 2 * time.Millisecond})
	const n = 4
	for i := range n {
		c.sendMessage(u.chatID, fmt.Sprintf("message %d", i))
	}
	for i := range n {
		events := c.until("message_complete")
		if full := events[len(events)-1].field(t, "full_text"); full != fakeai.Reply(fmt.Sprintf("message %d", i), fakeTokens) {
			t.Fatalf("reply %d out of order: %v", i, full)
		}
	}
	stored := u.storedMessages(t)
	if len(stored) != 2*n {
		t.Fatalf("stored %d, want %d", len(stored), 2*n)
	}
	for i, m := range stored {
		wantRole := []string{"user", "assistant"}[i%2]
		if m["role"] != wantRole || !strings.Contains(m["content"].(string), fmt.Sprintf("message %d", i/2)) {
			t.Fatalf("stored[%d] = %v %q", i, m["role"], m["content"])
		}
	}
}

func TestUsersNeverSeeEachOthersTokens(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens, Delay: 2 * time.Millisecond})
	alice, bob := newChatUser(t, srv, "alice@example.com"), newChatUser(t, srv, "bob@example.com")
	ca, cb := newSIOClient(t), newSIOClient(t)
	ca.mustConnect(srv, alice.cookie, "websocket")
	cb.mustConnect(srv, bob.cookie, "polling")
	ca.sendMessage(alice.chatID, "from alice")
	cb.sendMessage(bob.chatID, "from bob")
	for who, c := range map[string]*sioClient{"alice": ca, "bob": cb} {
		got := strings.Join(tokensOf(t, c.until("message_complete")), "")
		if got != fakeai.Reply("from "+who, fakeTokens) {
			t.Fatalf("%s saw %q", who, got)
		}
	}
}

func TestLogoutEndsSockets(t *testing.T) {
	t.Run("same instance: sockets of the session are disconnected", func(t *testing.T) {
		u, c := chatSocket(t, "logout@example.com", fakeai.Options{Tokens: fakeTokens})
		expect(t, u.do("POST", "/api/auth/logout", nil), http.StatusOK, "")
		if e := c.next(); e.Event != "disconnect" {
			t.Fatalf("got %s %s", e.Event, e.Data)
		}
	})
	t.Run("other instance: next event gets Authentication required", func(t *testing.T) {
		u, c := chatSocket(t, "elsewhere@example.com", fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.SessionType = "sqlalchemy" })
		srv := u.srv
		// Another instance sharing the database ends the session.
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: u.cookie})
		id, ok := srv.App.Sessions().SessionIDFromCookieHeader(req)
		if !ok {
			t.Fatal("cookie does not decode")
		}
		if err := srv.App.Store().Sessions().DeleteSession(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		c.sendMessage(u.chatID, "still there?")
		e := c.next()
		if e.Event != "error" || e.field(t, "message") != "Authentication required" {
			t.Fatalf("got %s %s", e.Event, e.Data)
		}
		if e := c.next(); e.Event != "disconnect" {
			t.Fatalf("socket not disconnected: %s", e.Event)
		}
	})
}

func TestSocketsPerUserAreCapped(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.MaxSocketsPerUser = 2 })
	u := newChatUser(t, srv, "many@example.com")
	first, second := newSIOClient(t), newSIOClient(t)
	first.mustConnect(srv, u.cookie, "websocket")
	second.mustConnect(srv, u.cookie, "polling")

	third := newSIOClient(t)
	third.connect(srv, u.cookie, testOrigin, "websocket")
	if e := third.next(); e.Event != "connect_error" || e.field(t, "message") != "Too many connections" {
		t.Fatalf("third socket: %s %s", e.Event, e.Data)
	}
	// Another user is not affected, and a closed socket frees its slot.
	newSIOClient(t).mustConnect(srv, newChatUser(t, srv, "few@example.com").cookie, "websocket")
	first.disconnect()
	deadline := time.Now().Add(5 * time.Second)
	for {
		again := newSIOClient(t)
		again.connect(srv, u.cookie, testOrigin, "websocket")
		e := again.next()
		if e.Event == "connect" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed: %s %s", e.Event, e.Data)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestAChatHoldsOnlySoManyWaitingMessages(t *testing.T) {
	u, c := chatSocket(t, "impatient@example.com", fakeai.Options{Tokens: 4, Delay: 20 * time.Millisecond})
	const sent = 12
	for i := range sent {
		c.sendMessage(u.chatID, fmt.Sprint("m", i))
	}
	completed, busy := 0, 0
	for completed+busy < sent {
		switch e := c.next(); e.Event {
		case "message_complete":
			completed++
		case "error":
			if e.field(t, "message") != "Please wait for the replies to your earlier messages." {
				t.Fatalf("error %s", e.Data)
			}
			busy++
		}
	}
	// The one running and the eight waiting behind it; on a loaded machine
	// the first may still be waiting to start when the ninth arrives.
	if busy == 0 || completed < 8 {
		t.Fatalf("%d completed, %d refused as busy", completed, busy)
	}
	if n := len(u.storedMessages(t)); n != 2*completed {
		t.Fatalf("stored %d messages for %d completed turns", n, completed)
	}
}
