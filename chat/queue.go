package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/amanda-platform/amanda-backend/apperr"
)

// queue runs turns off the caller's goroutine (a socket's event loop), one
// chat at a time in arrival order, and lets shutdown wait for them.
type queue struct {
	logger *slog.Logger
	ctx    context.Context // cancelled when shutdown gives up waiting
	cancel context.CancelFunc

	mu      sync.Mutex
	pending map[int64][]func(context.Context) // chat id → jobs; present while a worker drains it
	running map[int64]context.CancelCauseFunc // chat id → its running job's cancel
	closed  bool
	wg      sync.WaitGroup
}

// newQueue starts an empty queue.
func newQueue(logger *slog.Logger) *queue {
	ctx, cancel := context.WithCancel(context.Background())
	return &queue{logger: logger, ctx: ctx, cancel: cancel,
		pending: map[int64][]func(context.Context){}, running: map[int64]context.CancelCauseFunc{}}
}

// MaxWaitingTurns bounds the turns one chat may have waiting behind the one
// running: each holds its message, a voice one up to 25 MB of audio.
const MaxWaitingTurns = 8

// submit queues job behind the chat's earlier jobs: KindShuttingDown once
// shutdown has begun, KindChatBusy when MaxWaitingTurns already wait. A
// job's context is not the socket's: a reply goes on when its client
// disconnects, and ends only when shutdown gives up.
func (r *queue) submit(chatID int64, job func(ctx context.Context)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return apperr.New(apperr.KindShuttingDown)
	}
	jobs, draining := r.pending[chatID]
	if len(jobs) >= MaxWaitingTurns {
		return apperr.New(apperr.KindChatBusy)
	}
	r.pending[chatID] = append(jobs, job)
	if !draining {
		r.wg.Add(1)
		go r.drain(chatID)
	}
	return nil
}

// drain runs the chat's jobs in order until none are left.
func (r *queue) drain(chatID int64) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		jobs := r.pending[chatID]
		if len(jobs) == 0 {
			delete(r.pending, chatID)
			r.mu.Unlock()
			return
		}
		job := jobs[0]
		jobs[0] = nil
		r.pending[chatID] = jobs[1:]
		r.mu.Unlock()
		r.run(chatID, job)
	}
}

func (r *queue) run(chatID int64, job func(context.Context)) {
	ctx, cancel := context.WithCancelCause(r.ctx)
	r.mu.Lock()
	r.running[chatID] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, chatID)
		r.mu.Unlock()
		cancel(nil)
		if p := recover(); p != nil {
			r.logger.Error("chat turn panicked", "chat_id", chatID, "panic", fmt.Sprint(p))
		}
	}()
	job(ctx)
}

// errStopped is the cause of a job's context when it was stopped.
var errStopped = errors.New("chat: turn stopped")

// stop cancels the chat's running job, if it has one here, with the cause
// errStopped; the jobs waiting behind it run as usual.
func (r *queue) stop(chatID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	cancel, ok := r.running[chatID]
	if ok {
		cancel(errStopped)
	}
	return ok
}

// runs reports whether the chat has a job running here.
func (r *queue) runs(chatID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.running[chatID]
	return ok
}

// shutdown refuses new jobs and waits for queued ones; when ctx ends first it
// cancels them (each stores what it received) and waits for them to finish.
func (r *queue) shutdown(ctx context.Context) {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		r.logger.Warn("shutdown timeout: cutting off replies still streaming")
		r.cancel()
		<-done
	}
	r.cancel()
}
