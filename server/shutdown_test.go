package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// TestShutdownLetsRepliesFinish stops the service while replies stream:
// they finish and are stored, sockets are disconnected, Serve returns nil.
func TestShutdownLetsRepliesFinish(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.ShutdownTimeout.Duration = 20 * time.Second })
	users := make([]chatUser, 3)
	clients := make([]*sioClient, 3)
	for i := range users {
		users[i] = newChatUser(t, srv, "shutdown"+decimalString(int64(i))+"@example.com")
		clients[i] = newSIOClient(t)
		clients[i].mustConnect(srv, users[i].cookie, "websocket")
		clients[i].sendMessage(users[i].chatID, "slowly [slow:60]")
	}
	for _, c := range clients {
		if e := c.next(); e.Event != "message_token" {
			t.Fatalf("got %s before shutdown", e.Event)
		}
	}
	if err := srv.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	want := fakeai.Reply("slowly [slow:60]", fakeTokens)
	for i, c := range clients {
		events := c.until("disconnect")
		got := strings.Join(tokensOf(t, events), "")
		if !strings.HasSuffix(want, got) || events[len(events)-2].Event != "message_complete" {
			t.Fatalf("client %d: reply not finished before disconnect: %q", i, got)
		}
		assertStoredReply(t, srv, users[i].chatID, want)
	}
}

// TestShutdownTimeoutStoresPartialReplies cuts off replies that outlast
// SHUTDOWN_TIMEOUT: what arrived is stored, nothing is lost.
func TestShutdownTimeoutStoresPartialReplies(t *testing.T) {
	u, c := chatSocket(t, "cutoff@example.com", fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.ShutdownTimeout.Duration = 300 * time.Millisecond })
	srv := u.srv
	msg := "very slowly [slow:200]"
	c.sendMessage(u.chatID, msg)
	if e := c.next(); e.Event != "message_token" {
		t.Fatalf("got %s", e.Event)
	}
	start := time.Now()
	if err := srv.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %v with a 300ms timeout", took)
	}
	stored := storedChat(t, srv, u.chatID)
	if len(stored) != 2 || stored[0].Content != msg {
		t.Fatalf("stored %+v", stored)
	}
	partial := stored[1].Content
	if partial == "" || partial == fakeai.Reply(msg, fakeTokens) || !strings.HasPrefix(fakeai.Reply(msg, fakeTokens), partial) {
		t.Fatalf("partial reply %q", partial)
	}
}

// storedChat reads a chat's messages straight from the store (the REST API
// is gone after shutdown; the store stays open until the test ends).
func storedChat(t *testing.T, srv *servertest.Server, chatID int64) []store.Message {
	t.Helper()
	s := storetest.Open(t, srv.Config.DatabaseURL)
	chat, err := s.ChatByID(context.Background(), chatID)
	if err != nil {
		t.Fatal(err)
	}
	messages, err := s.Messages(context.Background(), chat.UserID, chatID)
	if err != nil {
		t.Fatal(err)
	}
	return messages
}

func assertStoredReply(t *testing.T, srv *servertest.Server, chatID int64, want string) {
	t.Helper()
	stored := storedChat(t, srv, chatID)
	if len(stored) != 2 || stored[1].Role != "assistant" || stored[1].Content != want {
		t.Fatalf("chat %d stored %+v", chatID, stored)
	}
}
