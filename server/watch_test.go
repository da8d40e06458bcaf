package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/redistest"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// watchedMessage streams a token every 150ms: long enough to watch it
// from the middle.
const watchedMessage = "tell me everything [slow:150]"

func TestWatchChatOnOneInstance(t *testing.T) {
	u := newChatUser(t, startChatServer(t, fakeai.Options{Tokens: fakeTokens}), "watch@example.com")
	checkWatching(t, u, u.socket(t), u.socket(t), u.socket(t))
}

// The same through the balancer, the sender on one instance and the
// watcher on the other.
func TestHAProxyWatchChatOnAnotherInstance(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens})
	u := newChatUser(t, f.lb.Server(), "watch-fleet@example.com")
	sender := f.socketOn(t, instanceA, u.cookie, "websocket")
	watcher := f.socketOn(t, instanceB, u.cookie, "websocket")
	bystander := f.socketOn(t, instanceB, u.cookie, "polling")
	checkWatching(t, u, sender, watcher, bystander)
}

// checkWatching: a watcher that joins mid-reply gets exactly the tokens
// after its after_seq and the rest live, then every later turn of another
// socket; the sender, watching too, gets nothing twice; the bystander, a
// socket of the user that watches nothing, gets nothing.
func checkWatching(t *testing.T, u chatUser, sender, watcher, bystander *sioClient) {
	want := fakeai.Chunks(watchedMessage, fakeTokens)
	watch(t, sender, u.chatID, nil, false)

	sender.sendMessage(u.chatID, watchedMessage)
	for seq := 1; seq <= 3; seq++ {
		if e := sender.next(); e.Event != "message_token" || e.field(t, "seq") != float64(seq) {
			t.Fatalf("the sender's token %d: %s %s", seq, e.Event, e.Data)
		}
	}
	state := watch(t, watcher, u.chatID, 1, true)
	if seq := int(state.field(t, "seq").(float64)); seq < 3 || seq >= len(want) {
		t.Fatalf("chat_state seq %d mid-reply, after the sender had 3 tokens", seq)
	}
	// The watcher: tokens 2, 3, … once each, in order, then the end.
	events := watcher.until("message_complete")
	for i, e := range events[:len(events)-1] {
		seq := i + 2
		if e.Event != "message_token" || e.field(t, "seq") != float64(seq) || e.field(t, "text") != want[seq-1] || e.field(t, "chat_id") != float64(u.chatID) {
			t.Fatalf("the watcher's event %d, want token %d %q: %s %s", i, seq, want[seq-1], e.Event, e.Data)
		}
	}
	if len(events) != len(want) {
		t.Fatalf("the watcher got %d tokens, want %d (2 to %d)", len(events)-1, len(want)-1, len(want))
	}
	complete := events[len(events)-1]
	if complete.field(t, "full_text") != strings.Join(want, "") || complete.field(t, "message_id") == nil {
		t.Fatalf("the watcher's message_complete: %s", complete.Data)
	}
	// The sender watches its own chat and still gets each token once.
	rest := sender.until("message_complete")
	if tokens := tokensOf(t, rest); len(tokens) != len(want)-3 || len(rest) != len(want)-2 {
		t.Fatalf("the sender's rest of the reply: %v", rest)
	}
	expectNothingReceived(t, bystander, u.chatID)

	// A later turn from another socket reaches the watcher whole.
	second := "and now this"
	sender.sendMessage(u.chatID, second)
	events = watcher.until("message_complete")
	first := events[0]
	if first.Event != "user_message" || first.field(t, "content") != second || first.field(t, "chat_id") != float64(u.chatID) ||
		first.field(t, "message_id") == nil || !isTimestamp(first.field(t, "timestamp")) {
		t.Fatalf("the watcher's first event of the next turn: %s %s", first.Event, first.Data)
	}
	if got := strings.Join(tokensOf(t, events), ""); got != fakeai.Reply(second, fakeTokens) || len(events) != fakeTokens+2 {
		t.Fatalf("the watcher's next turn: %v", events)
	}
	if got := sender.until("message_complete"); len(got) != fakeTokens+1 {
		t.Fatalf("the sender of the next turn got %v", got)
	}
	stored := u.storedMessages(t)
	if id := first.field(t, "message_id"); len(stored) != 4 || stored[2]["id"] != id {
		t.Fatalf("user_message names message %v; stored %v", id, stored)
	}

	// Unwatched, a chat's turns no longer reach it.
	watcher.emit("unwatch_chat", map[string]any{"chat_id": u.chatID})
	expectNothingReceived(t, watcher, u.chatID) // and the unwatch is handled
	sender.sendMessage(u.chatID, "once more")
	sender.until("message_complete")
	expectNothingReceived(t, watcher, u.chatID)
}

// watch emits watch_chat (afterSeq nil: without after_seq) and returns the
// chat_state it is answered with, checked for its chat and streaming.
func watch(t *testing.T, c *sioClient, chatID int64, afterSeq any, streaming bool) sioEvent {
	t.Helper()
	data := map[string]any{"chat_id": chatID}
	if afterSeq != nil {
		data["after_seq"] = afterSeq
	}
	c.emit("watch_chat", data)
	e := c.next()
	if e.Event != "chat_state" || e.field(t, "chat_id") != float64(chatID) || e.field(t, "streaming") != streaming {
		t.Fatalf("watch_chat answered %s %s, want chat_state streaming %v", e.Event, e.Data, streaming)
	}
	if !streaming && e.field(t, "seq") != float64(0) {
		t.Fatalf("chat_state of an idle chat: %s", e.Data)
	}
	return e
}

// expectNothingReceived checks that c got no event of the chat: the next
// event it gets is the answer to a stop_generation it sends now.
func expectNothingReceived(t *testing.T, c *sioClient, chatID int64) {
	t.Helper()
	c.emit("stop_generation", map[string]any{"chat_id": chatID})
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "No reply in progress" {
		t.Fatalf("a socket that watches nothing got %s %s", e.Event, e.Data)
	}
}

func isTimestamp(v any) bool {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, "Z") {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func TestWatchChatRefusesWhatSendMessageRefuses(t *testing.T) {
	u, c := chatSocket(t, "watch-refused@example.com", fakeai.Options{Tokens: fakeTokens})
	stranger := newChatUser(t, u.srv, "watch-stranger@example.com")
	for _, tc := range []struct {
		data any
		want string
	}{
		{map[string]any{"chat_id": stranger.chatID}, "Access denied"},
		{map[string]any{"chat_id": u.chatID + 1000}, "Chat not found"},
		{map[string]any{"chat_id": u.chatID, "after_seq": "three"}, "Invalid message data"},
		{map[string]any{"chat_id": u.chatID, "after_seq": -1}, "Invalid message data"},
		{map[string]any{"chat_id": u.chatID, "after_seq": 1.5}, "Invalid message data"},
		{map[string]any{}, "Invalid message data"},
		{"7", "Invalid message data"},
	} {
		c.emit("watch_chat", tc.data)
		if e := c.next(); e.Event != "error" || e.field(t, "message") != tc.want {
			t.Fatalf("watch_chat %v: %s %s, want error %q", tc.data, e.Event, e.Data, tc.want)
		}
	}
	// The other user's turns never reach this socket.
	other := stranger.socket(t)
	other.sendMessage(stranger.chatID, "private")
	other.until("message_complete")
	expectNothingReceived(t, c, u.chatID)
}

// TestKilledInstanceReplyIsStoredByAnother: the instance streaming a reply
// is killed with SIGKILL (no shutdown path); once its chat's lease lapses
// the other instance stores what had streamed and tells the watcher.
func TestKilledInstanceReplyIsStoredByAnother(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for a lease to lapse (-short)")
	}
	redistest.Options(t, 0, "amanda:*") // the fleet's keys are the test's
	_, databaseURL := storetest.Postgres(t)
	ai := fakeaitest.Start(t, fakeai.Options{Tokens: fakeTokens})
	host, port, _ := strings.Cut(ai, ":")
	// A: a process of its own, to kill; B: in this one.
	a := servertest.StartProcess(t,
		"DATABASE_URL="+databaseURL, "SESSION_TYPE=sqlalchemy", "SOCKETIO_MESSAGE_QUEUE="+redistest.URL,
		"RATELIMIT_ENABLED=false", "GRPC_AI_BACKEND_HOST="+host, "GRPC_AI_BACKEND_PORT="+port, "LOG_LEVEL=warn")
	b := servertest.Start(t, databaseURL, servertest.UseAI(t, ai), fleetConfig(t, redistest.URL))

	u := newChatUser(t, b, "killed@example.com")
	sender, watcher := newSIOClient(t), newSIOClient(t)
	sender.mustConnect(a.Server, u.cookie, "websocket")
	watcher.mustConnect(b, u.cookie, "websocket")
	msg := "a long story please [slow:300]"
	sender.sendMessage(u.chatID, msg)
	for range 2 {
		if e := sender.next(); e.Event != "message_token" {
			t.Fatalf("the sender on A got %s %s", e.Event, e.Data)
		}
	}
	watch(t, watcher, u.chatID, nil, true)
	a.Kill()
	killed := time.Now()

	// The watcher has what streamed, then the error once B stores it.
	var streamed []string
	for {
		e := watcher.nextWithin(60 * time.Second)
		if e.Event == "message_token" {
			streamed = append(streamed, e.field(t, "text").(string))
			continue
		}
		if e.Event != "error" || e.field(t, "message") != "AI service unavailable. Please try again later." || e.field(t, "chat_id") != float64(u.chatID) {
			t.Fatalf("the watcher got %s %s after A died", e.Event, e.Data)
		}
		break
	}
	t.Logf("stored by B %s after A was killed", time.Since(killed).Round(time.Millisecond))
	want := fakeai.Chunks(msg, fakeTokens)
	if len(streamed) < 2 || len(streamed) >= len(want) || strings.Join(streamed, "") != strings.Join(want[:len(streamed)], "") {
		t.Fatalf("the watcher got %q of %q", streamed, want)
	}
	stored := u.storedMessages(t)
	if len(stored) != 2 || stored[1]["role"] != "assistant" || stored[1]["content"] != strings.Join(streamed, "") {
		t.Fatalf("stored %v, want the %d tokens that had streamed", stored, len(streamed))
	}
	// The chat goes on, on B.
	other := newSIOClient(t)
	other.mustConnect(b, u.cookie, "websocket")
	other.sendMessage(u.chatID, "still there?")
	if got := strings.Join(tokensOf(t, other.until("message_complete")), ""); got != fakeai.Reply("still there?", fakeTokens) {
		t.Fatalf("the next reply on B: %q", got)
	}
}
