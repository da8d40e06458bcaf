package server_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
)

// TestClientThatStopsReadingIsDropped speaks Engine.IO over WebSocket,
// asks for a long reply and then never reads: the server must drop the
// socket rather than buffer the reply without bound, and still store it.
func TestClientThatStopsReadingIsDropped(t *testing.T) {
	const tokens = 100_000
	srv := startChatServer(t, fakeai.Options{Tokens: tokens}, func(c *server.Config) { c.SocketMaxQueuedPackets = 64 })
	u := newChatUser(t, srv, "stalled@example.com")

	// A tiny receive window makes the kernel stop taking data soon.
	dialer := rawDialer(t, srv)
	dialer.ReceiveBuffer = 4096
	raw := dialRaw(t, dialer, u.cookie)
	sendMessage(t, raw, u.chatID, "flood me")

	// Stop reading. The server must close the connection: once the
	// kernel buffers are full, writes fail or the peer sees a close.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the server kept a client that stopped reading")
		}
		stored := u.storedMessages(t)
		if len(stored) == 2 {
			if stored[1]["content"] != fakeai.Reply("flood me", tokens) {
				t.Fatal("the reply was not stored in full")
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Drain: a dropped socket ends in a read error, never in the full reply
	// (each read waits 10 seconds at most).
	received := 0
	for {
		msg, err := raw.Read()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %d messages", received)
			}
			break
		}
		if strings.Contains(msg.Data, "message_complete") {
			t.Fatalf("a stalled client received the whole reply (%d messages): it was not dropped", received)
		}
		received++
	}
}

func decimalString(n int64) string { return strconv.FormatInt(n, 10) }
