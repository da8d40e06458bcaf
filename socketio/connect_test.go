package socketio

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/session"
)

// A session store that accepts connections and never answers must fail a
// socket's session lookup at the timeout, not hold it.
func TestSocketSessionLookupIsBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case conn := <-accepted:
				conn.Close()
			default:
				return
			}
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- conn // read nothing, answer nothing
		}
	}()
	// As server/sessions.go configures it, but without the client's own
	// read timeout, so that only the lookup's deadline can end the wait.
	client := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true, ReadTimeout: -1})
	t.Cleanup(func() { client.Close() })
	s := &Server{Config: Config{Sessions: session.NewManager(session.NewRedisBackend(client, "session:"), "secret", session.Options{})}}

	old := lookupTimeout
	lookupTimeout = 200 * time.Millisecond
	t.Cleanup(func() { lookupTimeout = old })
	start := time.Now()
	_, ok, err := s.lookupSession(context.Background(), "some-session-id")
	if err == nil || ok {
		t.Fatalf("lookupSession on a hung store = %v, %v; want an error", ok, err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("lookupSession took %s with a %s timeout", elapsed, lookupTimeout)
	}
}
