package aiclient

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	aipb "github.com/amanda-platform/amanda-backend/proto"
)

func TestStreamReply(t *testing.T) {
	c := newClient(t, withAddr(fastTimeouts, fakeaitest.Start(t, fakeai.Options{Tokens: 4})))
	var r recorder
	text, err := c.StreamReply(t.Context(), 1, 2, "hello", r.onChunk)
	if err != nil {
		t.Fatalf("StreamReply: %v", err)
	}
	if want := fakeai.Chunks("hello", 4); !slices.Equal(r.chunks, want) {
		t.Errorf("chunks = %q, want %q", r.chunks, want)
	}
	if want := fakeai.Reply("hello", 4); text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
}

func TestStreamReplySendsIDsAsDecimal(t *testing.T) {
	stub := newScripted(false, &aipb.ChatChunk{Text: "ok", Done: true})
	c := newClient(t, withAddr(fastTimeouts, serve(t, stub)))
	if _, err := c.StreamReply(t.Context(), 42, 9_000_000_000, "hi", func(string) error { return nil }); err != nil {
		t.Fatalf("StreamReply: %v", err)
	}
	req := <-stub.requests
	if req.GetUserId() != "42" || req.GetChatId() != "9000000000" || req.GetMessage() != "hi" {
		t.Errorf("request = %v", req)
	}
}

func TestStreamReplyEndsAtDone(t *testing.T) {
	// The stub keeps the call open after done: StreamReply must not wait for it.
	stub := newScripted(true,
		&aipb.ChatChunk{Text: "a"},
		&aipb.ChatChunk{Text: "b", Done: true},
		&aipb.ChatChunk{Text: "c"},
	)
	c := newClient(t, withAddr(fastTimeouts, serve(t, stub)))
	var r recorder
	text, err := c.StreamReply(t.Context(), 1, 1, "hi", r.onChunk)
	if err != nil {
		t.Fatalf("StreamReply: %v", err)
	}
	if text != "ab" || !slices.Equal(r.chunks, []string{"a", "b"}) {
		t.Errorf("text %q, chunks %q; want \"ab\", [a b]", text, r.chunks)
	}
}

func TestStreamReplySkipsEmptyChunks(t *testing.T) {
	stub := newScripted(false,
		&aipb.ChatChunk{},
		&aipb.ChatChunk{Text: "x"},
		&aipb.ChatChunk{},
		&aipb.ChatChunk{Text: "y"},
		&aipb.ChatChunk{Done: true},
	)
	c := newClient(t, withAddr(fastTimeouts, serve(t, stub)))
	var r recorder
	text, err := c.StreamReply(t.Context(), 1, 1, "hi", r.onChunk)
	if err != nil {
		t.Fatalf("StreamReply: %v", err)
	}
	if text != "xy" || !slices.Equal(r.chunks, []string{"x", "y"}) {
		t.Errorf("text %q, chunks %q; want \"xy\", [x y]", text, r.chunks)
	}
}

func TestStreamReplyEndsAtEOFWithoutDone(t *testing.T) {
	stub := newScripted(false, &aipb.ChatChunk{Text: "x"}, &aipb.ChatChunk{Text: "y"})
	c := newClient(t, withAddr(fastTimeouts, serve(t, stub)))
	text, err := c.StreamReply(t.Context(), 1, 1, "hi", func(string) error { return nil })
	if err != nil || text != "xy" {
		t.Errorf("StreamReply = %q, %v; want \"xy\", nil", text, err)
	}
}

func TestStreamReplyFailureMidway(t *testing.T) {
	c := newClient(t, withAddr(fastTimeouts, fakeaitest.Start(t, fakeai.Options{Tokens: 5})))
	const message = "[fail-after:2]"
	var r recorder
	text, err := c.StreamReply(t.Context(), 1, 1, message, r.onChunk)
	if !errors.Is(err, ErrStream) {
		t.Fatalf("err = %v, want ErrStream", err)
	}
	want := fakeai.Chunks(message, 5)[:2]
	if text != strings.Join(want, "") || !slices.Equal(r.chunks, want) {
		t.Errorf("partial text %q, chunks %q; want the first two chunks %q", text, r.chunks, want)
	}
}

func TestStreamReplyBackendError(t *testing.T) {
	c := newClient(t, withAddr(fastTimeouts, fakeaitest.Start(t, fakeai.Options{})))
	text, err := c.StreamReply(t.Context(), 1, 1, "[fail-after:0]", func(string) error { return nil })
	if !errors.Is(err, ErrStream) || errors.Is(err, ErrUnavailable) || text != "" {
		t.Errorf("StreamReply = %q, %v; want \"\", ErrStream", text, err)
	}
}

func TestStreamReplyBackendDown(t *testing.T) {
	c := newClient(t, withAddr(fastTimeouts, closedPort(t)))
	start := time.Now()
	text, err := c.StreamReply(t.Context(), 1, 1, "hi", func(string) error { return nil })
	if !errors.Is(err, ErrUnavailable) || text != "" {
		t.Errorf("StreamReply = %q, %v; want \"\", ErrUnavailable", text, err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v to report a refused connection", elapsed)
	}
}

func TestStreamReplyFirstTokenTimeout(t *testing.T) {
	addr := fakeaitest.Start(t, fakeai.Options{Tokens: 2})
	c := newClient(t, Options{Address: addr, ReplyTimeout: 5 * time.Second, FirstTokenTimeout: 50 * time.Millisecond})
	start := time.Now()
	text, err := c.StreamReply(t.Context(), 1, 1, "[slow:2000]", func(string) error { return nil })
	if !errors.Is(err, ErrFirstTokenTimeout) || text != "" {
		t.Errorf("StreamReply = %q, %v; want \"\", ErrFirstTokenTimeout", text, err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v, want about 50ms", elapsed)
	}
}

func TestStreamReplyFirstTokenTimeoutStopsAfterFirstChunk(t *testing.T) {
	// Chunks every 20ms for 200ms in all: past the first-token limit, within the reply limit.
	addr := fakeaitest.Start(t, fakeai.Options{Tokens: 10, Delay: 20 * time.Millisecond})
	c := newClient(t, Options{Address: addr, ReplyTimeout: 5 * time.Second, FirstTokenTimeout: 100 * time.Millisecond})
	text, err := c.StreamReply(t.Context(), 1, 1, "hi", func(string) error { return nil })
	if err != nil || text != fakeai.Reply("hi", 10) {
		t.Errorf("StreamReply = %q, %v; want the full reply", text, err)
	}
}

func TestStreamReplyTimeout(t *testing.T) {
	addr := fakeaitest.Start(t, fakeai.Options{Tokens: 50})
	c := newClient(t, Options{Address: addr, ReplyTimeout: 100 * time.Millisecond, FirstTokenTimeout: time.Second})
	const message = "[slow:20]"
	text, err := c.StreamReply(t.Context(), 1, 1, message, func(string) error { return nil })
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if text == "" || !strings.HasPrefix(fakeai.Reply(message, 50), text) {
		t.Errorf("partial text %q is not a non-empty prefix of the reply", text)
	}
}

func TestStreamReplyCallerCancels(t *testing.T) {
	c := newClient(t, withAddr(fastTimeouts, fakeaitest.Start(t, fakeai.Options{Tokens: 5, Delay: 50 * time.Millisecond})))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var r recorder
	text, err := c.StreamReply(ctx, 1, 1, "hi", func(s string) error {
		cancel()
		return r.onChunk(s)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for _, kind := range []error{ErrUnavailable, ErrTimeout, ErrFirstTokenTimeout, ErrStream} {
		if errors.Is(err, kind) {
			t.Errorf("a cancelled call is classified as %v", kind)
		}
	}
	if first := fakeai.Chunks("hi", 5)[0]; text != first {
		t.Errorf("text = %q, want the first chunk %q", text, first)
	}
}

func TestStreamReplyStopsOnCallbackError(t *testing.T) {
	stub := newScripted(true, &aipb.ChatChunk{Text: "a"}, &aipb.ChatChunk{Text: "b"})
	c := newClient(t, withAddr(fastTimeouts, serve(t, stub)))
	gone := errors.New("socket gone")
	calls := 0
	text, err := c.StreamReply(t.Context(), 1, 1, "hi", func(string) error {
		calls++
		return gone
	})
	if !errors.Is(err, gone) || calls != 1 || text != "a" {
		t.Errorf("StreamReply = %q, %v after %d calls; want \"a\", the callback's error, 1 call", text, err, calls)
	}
}

func TestStreamReplyConcurrentCallsStayApart(t *testing.T) {
	c := newClient(t, withAddr(fastTimeouts, fakeaitest.Start(t, fakeai.Options{Tokens: 3, Delay: time.Millisecond})))
	var wg sync.WaitGroup
	for user := range int64(8) {
		wg.Go(func() {
			message := "user " + strconv.FormatInt(user, 10)
			text, err := c.StreamReply(t.Context(), user, user, message, func(string) error { return nil })
			if err != nil || text != fakeai.Reply(message, 3) {
				t.Errorf("user %d: StreamReply = %q, %v", user, text, err)
			}
		})
	}
	wg.Wait()
}

func TestStreamReplyRecoversWhenBackendRestarts(t *testing.T) {
	addr, stop, err := fakeai.Start("", fakeai.Options{Tokens: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, withAddr(fastTimeouts, addr))
	noop := func(string) error { return nil }
	if _, err := c.StreamReply(t.Context(), 1, 1, "before", noop); err != nil {
		t.Fatalf("first call: %v", err)
	}

	stop()
	if _, err := c.StreamReply(t.Context(), 1, 1, "down", noop); !errors.Is(err, ErrUnavailable) {
		t.Errorf("call while down: err = %v, want ErrUnavailable", err)
	}

	_, stop, err = fakeai.Start(addr, fakeai.Options{Tokens: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// The channel may be waiting out a reconnect backoff (at most 3s).
	deadline := time.Now().Add(5 * time.Second)
	for {
		text, err := c.StreamReply(t.Context(), 1, 1, "after", noop)
		if err == nil {
			if text != fakeai.Reply("after", 2) {
				t.Errorf("text = %q", text)
			}
			return
		}
		if !errors.Is(err, ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("call after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
