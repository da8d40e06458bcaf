package server_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
)

// withShortTimeouts makes the slow-client cut-offs short enough to test.
func withShortTimeouts(c *server.Config) {
	c.RequestBodyTimeout.Duration = 400 * time.Millisecond
	c.RequestHeaderTimeout.Duration = 400 * time.Millisecond
}

// closedWithin reports whether the server closes conn within d.
func closedWithin(conn net.Conn, d time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

func TestSlowClientsAreCutOffAndLongLivedOnesAreNot(t *testing.T) {
	u, ws := chatSocket(t, "patient@example.com", fakeai.Options{Tokens: fakeTokens}, withShortTimeouts)
	addr := strings.TrimPrefix(u.srv.URL, "http://")

	// Connections that never send a request.
	var idle []net.Conn
	for range 50 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		idle = append(idle, conn)
	}
	// A REST body trickled a byte at a time.
	trickle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer trickle.Close()
	_, _ = io.WriteString(trickle, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := trickle.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	// A long poll of a signed-in session waits past both timeouts.
	p := polling{t: t, srv: u.srv, cookie: u.cookie}
	sid, _, _ := p.handshake()
	if got := p.exchange(sid, "40"); !strings.HasPrefix(got, "40{") {
		t.Fatalf("connect: %q", got)
	}
	polled := make(chan string, 1)
	start := time.Now()
	go func() {
		resp, err := p.try("GET", sid, nil)
		if err != nil {
			polled <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(bufio.NewReader(resp.Body))
		polled <- string(body)
	}()

	time.Sleep(1500 * time.Millisecond)
	for i, conn := range idle {
		if !closedWithin(conn, time.Second) {
			t.Fatalf("idle connection %d still open after the header timeout", i)
		}
	}
	if !closedWithin(trickle, time.Second) {
		t.Fatal("a trickled body still being read after the body timeout")
	}
	// The WebSocket and the long poll are untouched.
	ws.sendMessage(u.chatID, "still streaming?")
	ws.until("message_complete")
	select {
	case got := <-polled:
		t.Fatalf("the long poll ended after %s: %q", time.Since(start), got)
	default:
	}
}
