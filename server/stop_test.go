package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
)

func TestTokensAndCompletionNameTheirChatAndNumberTheTokens(t *testing.T) {
	u, c := chatSocket(t, "seq@example.com", fakeai.Options{Tokens: fakeTokens})
	c.sendMessage(u.chatID, "count them")
	events := c.until("message_complete")
	for i, e := range events[:len(events)-1] {
		if e.field(t, "chat_id") != float64(u.chatID) || e.field(t, "seq") != float64(i+1) {
			t.Fatalf("token %d: %s", i, e.Data)
		}
	}
	if last := events[len(events)-1]; last.field(t, "chat_id") != float64(u.chatID) || last.field(t, "stopped") != nil {
		t.Fatalf("message_complete: %s", last.Data)
	}
	c.sendMessage(u.chatID+1000, "nobody's chat")
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "Chat not found" || e.field(t, "chat_id") != float64(u.chatID+1000) {
		t.Fatalf("an error about a chat: %s %s", e.Event, e.Data)
	}
}

func TestStopGenerationStoresWhatStreamed(t *testing.T) {
	u, c := chatSocket(t, "stop@example.com", fakeai.Options{Tokens: fakeTokens})
	c.emit("stop_generation", map[string]any{"chat_id": u.chatID})
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "No reply in progress" || e.field(t, "chat_id") != float64(u.chatID) {
		t.Fatalf("stop with nothing running: %s %s", e.Event, e.Data)
	}

	c.sendMessage(u.chatID, "a long one please [slow:200]")
	if e := c.next(); e.Event != "message_token" {
		t.Fatalf("got %s %s", e.Event, e.Data)
	}
	// Another socket of the user stops it; the socket that asked hears.
	other := u.socket(t)
	other.emit("stop_generation", map[string]any{"chat_id": u.chatID})
	events := c.until("message_complete")
	done := events[len(events)-1]
	streamed := strings.Join(append([]string{fakeai.Chunks("a long one please [slow:200]", fakeTokens)[0]}, tokensOf(t, events)...), "")
	if done.field(t, "stopped") != true || done.field(t, "full_text") != streamed || done.field(t, "message_id") == nil {
		t.Fatalf("message_complete of a stopped reply: %s (streamed %q)", done.Data, streamed)
	}
	stored := u.storedMessages(t)
	if len(stored) != 2 || stored[1]["content"] != streamed {
		t.Fatalf("stored %v, want the streamed part %q", stored, streamed)
	}
	// The chat goes on.
	c.sendMessage(u.chatID, "next")
	if got := strings.Join(tokensOf(t, c.until("message_complete")), ""); got != fakeai.Reply("next", fakeTokens) {
		t.Fatalf("the next reply: %q", got)
	}
	// Another user's chat: as for send_message.
	stranger := newChatUser(t, u.srv, "not-mine@example.com")
	c.emit("stop_generation", map[string]any{"chat_id": stranger.chatID})
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "Access denied" {
		t.Fatalf("stopping another user's chat: %s %s", e.Event, e.Data)
	}
}

func TestDeletingAChatStopsItsReply(t *testing.T) {
	u, c := chatSocket(t, "delete-streaming@example.com", fakeai.Options{Tokens: fakeTokens})
	// Eight tokens a second apart: unstopped, the reply would run 8 s.
	c.sendMessage(u.chatID, "a long one please [slow:1000]")
	if e := c.next(); e.Event != "message_token" {
		t.Fatalf("got %s %s", e.Event, e.Data)
	}
	start := time.Now()
	expect(t, u.do("DELETE", fmt.Sprintf("/api/chat/%d", u.chatID), nil), http.StatusOK, "")
	// The reply ends at once: stopped, or refused a store in a chat that is gone.
	for {
		e := c.next()
		if e.Event == "message_complete" || e.Event == "error" {
			break
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the reply went on %s after its chat was deleted", took)
	}
	expect(t, u.do("GET", fmt.Sprintf("/api/chat/%d/messages", u.chatID), nil), http.StatusNotFound, "Chat not found")
}
