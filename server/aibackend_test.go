package server_test

import (
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server/servertest"
)

// TestAIBackendRestart: the AI backend goes away between two messages and
// comes back on the same address; the service recovers with no restart.
func TestAIBackendRestart(t *testing.T) {
	opts := fakeai.Options{Tokens: fakeTokens}
	addr, stop, err := fakeai.Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := servertest.StartSQLite(t, servertest.UseAI(t, addr))
	u := newChatUser(t, srv, "restart@example.com")
	c := u.socket(t)

	c.sendMessage(u.chatID, "one")
	c.until("message_complete")

	stop()
	c.sendMessage(u.chatID, "two")
	if e := c.next(); e.Event != "error" || e.field(t, "message") != "AI service unavailable. Please try again later." {
		t.Fatalf("with the backend down: %s %s", e.Event, e.Data)
	}

	_, stop, err = fakeai.Start(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	// gRPC reconnects with backoff; the client may need a retry or two.
	c.sendUntilReplied(u.chatID, "three", 15*time.Second)
	stored := u.storedMessages(t)
	if last := stored[len(stored)-1]; last["role"] != "assistant" || last["content"] != fakeai.Reply("three", fakeTokens) {
		t.Fatalf("last stored %v", last)
	}
}
