package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Replies runs AI replies off the socket's event loop, one chat at a time
// in arrival order, and lets shutdown wait for them.
type Replies struct {
	logger *slog.Logger
	ctx    context.Context // cancelled when shutdown gives up waiting
	cancel context.CancelFunc

	mu      sync.Mutex
	pending map[int64][]func(context.Context) // chat id → jobs; present while a worker drains it
	closed  bool
	wg      sync.WaitGroup
}

// NewReplies starts an empty runner.
func NewReplies(logger *slog.Logger) *Replies {
	ctx, cancel := context.WithCancel(context.Background())
	return &Replies{logger: logger, ctx: ctx, cancel: cancel, pending: map[int64][]func(context.Context){}}
}

// MaxWaitingTurns bounds the turns one chat may have waiting behind the one
// running: each holds its message, a voice one up to 25 MB of audio.
const MaxWaitingTurns = 8

var (
	// ErrShuttingDown refuses new turns once shutdown has begun.
	ErrShuttingDown = errors.New("handlers: shutting down")
	// ErrChatBusy refuses a turn when MaxWaitingTurns already wait.
	ErrChatBusy = errors.New("handlers: too many turns waiting in this chat")
)

// Submit queues job behind the chat's earlier jobs. A job's context is not
// the socket's: a reply goes on when its client disconnects, and ends only
// when shutdown gives up.
func (r *Replies) Submit(chatID int64, job func(ctx context.Context)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrShuttingDown
	}
	jobs, draining := r.pending[chatID]
	if len(jobs) >= MaxWaitingTurns {
		return ErrChatBusy
	}
	r.pending[chatID] = append(jobs, job)
	if !draining {
		r.wg.Add(1)
		go r.drain(chatID)
	}
	return nil
}

// drain runs the chat's jobs in order until none are left.
func (r *Replies) drain(chatID int64) {
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

func (r *Replies) run(chatID int64, job func(context.Context)) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("reply panicked", "chat_id", chatID, "panic", fmt.Sprint(p))
		}
	}()
	job(r.ctx)
}

// Shutdown refuses new jobs and waits for queued ones; when ctx ends first it
// cancels them (each stores what it received) and waits for them to finish.
func (r *Replies) Shutdown(ctx context.Context) {
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
