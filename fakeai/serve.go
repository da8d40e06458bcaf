package fakeai

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// shutdownGrace bounds how long Serve waits for open streams when stopping.
const shutdownGrace = 5 * time.Second

// Serve listens on addr and serves the fake until ctx is done, then stops
// gracefully. A nil logger means slog.Default().
func Serve(ctx context.Context, addr string, opts Options, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fakeai: unable to listen on %s: %w", addr, err)
	}
	srv := NewServer(opts)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	logger.Info("fake AI backend listening", "addr", lis.Addr().String(),
		"tokens", opts.Tokens, "delay", opts.Delay, "fail_after", opts.FailAfter)

	select {
	case err := <-served:
		return fmt.Errorf("fakeai: serving stopped: %w", err)
	case <-ctx.Done():
	}
	logger.Info("fake AI backend stopping")
	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(shutdownGrace):
		// Slow replies must not hold the process; cut them off.
		srv.Stop()
		<-stopped
	}
	if err := <-served; err != nil {
		return fmt.Errorf("fakeai: serving stopped: %w", err)
	}
	return nil
}

// Start serves the fake in the background on addr ("" picks a free loopback
// port), for tests. It returns the address it listens on and a stop function
// that closes the listener and every open stream at once.
func Start(addr string, opts Options) (listenAddr string, stop func(), err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("fakeai: unable to listen on %s: %w", addr, err)
	}
	srv := NewServer(opts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis) // returns once stop has run
	}()
	stop = func() {
		srv.Stop()
		<-done
	}
	return lis.Addr().String(), stop, nil
}
