package chat

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/apperr"
)

func TestQueueRunEachChatInOrder(t *testing.T) {
	r := newQueue(slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	ran := map[int64][]int{}
	release := make(chan struct{})
	running := make(chan struct{}, 2)
	for i := range MaxWaitingTurns + 1 {
		for _, chat := range []int64{1, 2} {
			err := r.submit(chat, func(context.Context) {
				running <- struct{}{}
				<-release
				mu.Lock()
				ran[chat] = append(ran[chat], i)
				mu.Unlock()
			})
			if err != nil {
				t.Fatalf("submit %d to chat %d: %v", i, chat, err)
			}
			if i == 0 {
				<-running // the first turn is out of the queue and running
			}
		}
	}
	// One runs and MaxWaitingTurns wait: the next is refused.
	if err := r.submit(1, func(context.Context) {}); !apperr.Is(err, apperr.KindChatBusy) {
		t.Fatalf("over the cap: %v", err)
	}
	close(release)
	go func() {
		for range running {
		}
	}()
	r.shutdown(context.Background())
	for _, chat := range []int64{1, 2} {
		if len(ran[chat]) != MaxWaitingTurns+1 {
			t.Fatalf("chat %d ran %v", chat, ran[chat])
		}
		for i, got := range ran[chat] {
			if got != i {
				t.Fatalf("chat %d ran out of order: %v", chat, ran[chat])
			}
		}
	}
	if err := r.submit(1, func(context.Context) {}); !apperr.Is(err, apperr.KindShuttingDown) {
		t.Fatalf("after shutdown: %v", err)
	}
}

func TestQueueShutdownCancelsWhatOutlastsIt(t *testing.T) {
	r := newQueue(slog.New(slog.DiscardHandler))
	cancelled := make(chan bool, 1)
	started := make(chan struct{})
	r.submit(1, func(ctx context.Context) {
		close(started)
		select {
		case <-ctx.Done():
			cancelled <- true
		case <-time.After(10 * time.Second):
			cancelled <- false
		}
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r.shutdown(ctx)
	if !<-cancelled {
		t.Fatal("a job outlasting the shutdown timeout was not cancelled")
	}
}

func TestQueueSurviveAPanickingJob(t *testing.T) {
	r := newQueue(slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	r.submit(1, func(context.Context) { panic("boom") })
	r.submit(1, func(context.Context) { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the job after a panic never ran")
	}
	r.shutdown(context.Background())
}

func TestQueueStopCancelsOnlyTheRunningJob(t *testing.T) {
	r := newQueue(slog.New(slog.DiscardHandler))
	started, stopped, next := make(chan struct{}), make(chan bool, 1), make(chan error, 1)
	r.submit(1, func(ctx context.Context) {
		close(started)
		select {
		case <-ctx.Done():
			stopped <- true
		case <-time.After(10 * time.Second):
			stopped <- false
		}
	})
	r.submit(1, func(ctx context.Context) { next <- ctx.Err() })
	<-started
	if r.stop(2) {
		t.Fatal("stop reported a job in a chat with none running")
	}
	if !r.stop(1) || !<-stopped {
		t.Fatal("the running job was not cancelled")
	}
	if err := <-next; err != nil {
		t.Fatalf("the job after the stopped one ran cancelled: %v", err)
	}
	r.shutdown(context.Background())
}
