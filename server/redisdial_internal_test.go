package server

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestFailedRedisDialsAreSpacedOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // refused from now on
	opts := &redis.Options{}
	throttleDials(opts)
	ctx := context.Background()
	if _, err := opts.Dialer(ctx, "tcp", addr); err == nil {
		t.Fatal("dialled a closed port")
	}
	start := time.Now()
	if _, err := opts.Dialer(ctx, "tcp", addr); err == nil {
		t.Fatal("dialled a closed port")
	}
	if waited := time.Since(start); waited < redialGap*9/10 {
		t.Fatalf("the next dial came %s after a failure, want about %s", waited, redialGap)
	}
	// Once something answers, dials go through at once again.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	defer ln.Close()
	time.Sleep(redialGap)
	for range 2 {
		start = time.Now()
		conn, err := opts.Dialer(ctx, "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if waited := time.Since(start); waited > redialGap/2 {
			t.Fatalf("a dial after a success waited %s", waited)
		}
	}
}
