package server

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
)

// TestClientThatStopsReadingIsDropped speaks Engine.IO over WebSocket,
// asks for a long reply and then never reads: the server must drop the
// socket rather than buffer the reply without bound, and still store it.
func TestClientThatStopsReadingIsDropped(t *testing.T) {
	const tokens = 100_000
	srv := startChatServer(t, fakeai.Options{Tokens: tokens}, func(c *Config) { c.SocketMaxQueuedPackets = 64 })
	u := newChatUser(t, srv, "stalled@example.com")

	dialer := websocket.Dialer{
		HandshakeTimeout: 5 * time.Second,
		// A tiny receive window makes the kernel stop taking data soon.
		NetDial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
				return c.Control(func(fd uintptr) {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				})
			}}
			return d.Dial(network, addr)
		},
	}
	header := http.Header{"Origin": {testOrigin}, "Cookie": {"session=" + u.cookie}}
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := dialer.Dial(wsURL, header)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := func() string {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return string(msg)
	}
	if open := read(); !strings.HasPrefix(open, "0{") {
		t.Fatalf("engine open: %q", open)
	}
	conn.WriteMessage(websocket.TextMessage, []byte("40"))
	if connected := read(); !strings.HasPrefix(connected, "40{") {
		t.Fatalf("socket connect: %q", connected)
	}
	conn.WriteMessage(websocket.TextMessage, []byte(`42["send_message",{"chat_id":`+decimalString(u.chatID)+`,"message":"flood me"}]`))

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
	// Drain: a dropped socket ends in a read error, never in the full reply.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	received := 0
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %d messages", received)
			}
			break
		}
		if strings.Contains(string(msg), "message_complete") {
			t.Fatalf("a stalled client received the whole reply (%d messages): it was not dropped", received)
		}
		received++
	}
}

func decimalString(n int64) string { return strconv.FormatInt(n, 10) }
