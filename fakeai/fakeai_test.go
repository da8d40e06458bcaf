package fakeai

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	aipb "github.com/amanda-platform/amanda-backend/proto"
)

func TestChunks(t *testing.T) {
	got := Chunks("hi", 3)
	want := []string{"Echo(hi) Token0 ", "Token1 ", "Token2 "}
	if !slices.Equal(got, want) {
		t.Errorf("Chunks = %q, want %q", got, want)
	}
	if n := len(Chunks("hi", 0)); n != DefaultTokens {
		t.Errorf("len(Chunks(_, 0)) = %d, want %d", n, DefaultTokens)
	}
	if got := Reply("hi", 2); got != "Echo(hi) Token0 Token1 " {
		t.Errorf("Reply = %q", got)
	}
}

func TestPlanTriggers(t *testing.T) {
	opts := Options{Tokens: 4, Delay: time.Second, FailAfter: 3}
	for _, c := range []struct {
		message   string
		delay     time.Duration
		failAfter int
	}{
		{"plain", time.Second, 3},
		{"x [fail-after:0] y", time.Second, 0},
		{"[slow:7]", 7 * time.Millisecond, 3},
		{"[slow:7][fail-after:2]", 7 * time.Millisecond, 2},
		{"[fail-after:99999999999999999999]", time.Second, 3},
	} {
		p := planFor(opts, c.message)
		if p.delay != c.delay || p.failAfter != c.failAfter || len(p.chunks) != 4 {
			t.Errorf("planFor(%q) = delay %v, failAfter %d, %d chunks; want %v, %d, 4",
				c.message, p.delay, p.failAfter, len(p.chunks), c.delay, c.failAfter)
		}
	}
	if p := planFor(Options{}, "plain"); p.failAfter != -1 {
		t.Errorf("FailAfter 0 gives failAfter %d, want -1 (never)", p.failAfter)
	}
}

// collect runs one StreamChat against addr and returns the chunks received.
func collect(t *testing.T, ctx context.Context, addr, message string) ([]*aipb.ChatChunk, error) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := aipb.NewAIServiceClient(conn).StreamChat(ctx,
		&aipb.ChatMessage{UserId: "1", ChatId: "2", Message: message})
	if err != nil {
		return nil, err
	}
	var chunks []*aipb.ChatChunk
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return chunks, nil
		}
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, c)
	}
}

func TestStreamChat(t *testing.T) {
	addr, stop, err := Start("", Options{Tokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	chunks, err := collect(t, t.Context(), addr, "hello")
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	want := Chunks("hello", 3)
	if len(chunks) != len(want) {
		t.Fatalf("got %d chunks, want %d", len(chunks), len(want))
	}
	for i, c := range chunks {
		if c.GetText() != want[i] || c.GetDone() != (i == len(want)-1) {
			t.Errorf("chunk %d = {%q, done=%v}", i, c.GetText(), c.GetDone())
		}
	}
}

func TestStreamChatFailAfter(t *testing.T) {
	addr, stop, err := Start("", Options{Tokens: 5, FailAfter: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for message, sent := range map[string]int{"plain": 4, "[fail-after:2]": 2, "[fail-after:0]": 0} {
		chunks, err := collect(t, t.Context(), addr, message)
		if status.Code(err) != codes.Internal || len(chunks) != sent {
			t.Errorf("%q: %d chunks, err %v; want %d chunks and codes.Internal", message, len(chunks), err, sent)
		}
	}
}

func TestStreamChatHonoursCancellation(t *testing.T) {
	addr, stop, err := Start("", Options{Tokens: 3, Delay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := collect(t, ctx, addr, "hi"); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("stop hung on an abandoned stream")
	}
}

func TestServeStopsWithContext(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // free the port for Serve

	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, addr, Options{Tokens: 2}, slog.New(slog.DiscardHandler)) }()

	var chunks []*aipb.ChatChunk
	for range 50 { // Serve may not be listening yet
		if chunks, err = collect(t, t.Context(), addr, "hi"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || len(chunks) != 2 {
		t.Fatalf("stream: %d chunks, err %v", len(chunks), err)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestServeReportsListenError(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	if err := Serve(t.Context(), lis.Addr().String(), Options{}, nil); err == nil {
		t.Error("Serve on a busy port succeeded")
	}
}
