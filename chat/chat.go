// Package chat is the chat turn, apart from any transport: the per-chat
// queue, the user's message stored, the AI's reply streamed and stored
// (whole, or as far as it got), each step reported to a Sink. It knows
// neither HTTP nor Socket.IO; text and voice messages both run through it.
package chat

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/store"
)

// ReplyStreamer is the AI backend as a turn needs it.
type ReplyStreamer interface {
	// StreamReply calls onChunk for every non-empty chunk in order and
	// returns the text received, also when it fails midway.
	StreamReply(ctx context.Context, userID, chatID int64, message string, onChunk func(text string) error) (string, error)
}

// Sink is where a turn reports, as it happens. Its methods are called from
// the turn's goroutine, one at a time.
type Sink interface {
	// Token is one non-empty chunk of the reply, numbered 1, 2, … by seq.
	Token(seq int, text string) error
	// Complete is the reply, stored.
	Complete(messageID int64, fullText string)
	// Stopped is a reply stopped on request: what had streamed, stored as
	// messageID, or nothing (messageID 0, fullText "") when no token had
	// arrived.
	Stopped(messageID int64, fullText string)
	// Error ends the turn; its apperr kind is what the user is told.
	Error(err error)
}

// Turn is one message of the user's and the reply to it.
type Turn struct {
	UserID, ChatID int64
	// Text yields the user's message: a typed one at once, a spoken one
	// once transcribed. An error ends the turn and goes to the sink.
	Text func(ctx context.Context) (string, error)
	// AfterReply, when set, runs with the stored reply (voice speaks it).
	AfterReply func(ctx context.Context, reply string)
	Sink       Sink
	// Origin names the sink's client (a socket id) in the turn log, so
	// that following the log skips whom the sink already tells.
	Origin string
}

// Typed is the Text of a typed message.
func Typed(text string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return text, nil }
}

// Locker keeps a chat's turns from running at once on several instances.
type Locker interface {
	// Lock waits until this instance holds chatID's lock, or ctx ends;
	// unlock gives it up.
	Lock(ctx context.Context, chatID int64) (unlock func(), err error)
	// Held reports whether any instance holds chatID's lock.
	Held(ctx context.Context, chatID int64) (bool, error)
}

// Service runs chat turns.
type Service struct {
	store   store.Store
	ai      ReplyStreamer
	metrics *metrics.Metrics
	logger  *slog.Logger
	locker  Locker
	log     TurnLog
	queue   *queue
}

// New is a Service with nothing queued. locker is nil for an instance that
// runs alone: its queue alone orders each chat's turns. log keeps the
// running turns (a MemoryTurnLog for an instance alone).
func New(db store.Store, ai ReplyStreamer, locker Locker, log TurnLog, meters *metrics.Metrics, logger *slog.Logger) *Service {
	return &Service{store: db, ai: ai, locker: locker, log: log, metrics: meters, logger: logger, queue: newQueue(logger)}
}

// Log is where the running turns are kept, to follow them.
func (s *Service) Log() TurnLog { return s.log }

// MaxMessageBytes bounds one typed message.
const MaxMessageBytes = 32 << 10

// MessageText is a typed message as a turn takes it: trimmed, neither
// blank nor longer than MaxMessageBytes.
func MessageText(text string) (string, error) {
	if len(text) > MaxMessageBytes {
		return "", apperr.New(apperr.KindMessageTooLong)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", apperr.New(apperr.KindEmptyMessage)
	}
	return text, nil
}

// lookupTimeout bounds the ownership check, which has no request to take
// a deadline from.
const lookupTimeout = 5 * time.Second

// CheckChat is nil when the chat is userID's, and otherwise the error the
// user is told (KindChatNotFound, KindAccessDenied, or internal).
func (s *Service) CheckChat(ctx context.Context, userID, chatID int64) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	_, err := s.store.OwnedChat(ctx, userID, chatID)
	return StoreError(err)
}

// StoreError is the error the user is told for a store error about one
// chat: unknown chats and other users' chats differ, as in the old service.
func StoreError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return apperr.Wrap(apperr.KindChatNotFound, err)
	case errors.Is(err, store.ErrNotOwner):
		return apperr.Wrap(apperr.KindAccessDenied, err)
	}
	return apperr.Internal(err)
}

// Submit queues the turn behind the chat's earlier ones; it refuses with
// KindChatBusy or KindShuttingDown.
func (s *Service) Submit(turn Turn) error {
	return s.queue.submit(turn.ChatID, func(ctx context.Context) {
		text, err := turn.Text(ctx)
		if err != nil {
			turn.Sink.Error(err)
			return
		}
		if reply, ok := s.lockedReply(ctx, turn, text); ok && turn.AfterReply != nil {
			turn.AfterReply(ctx, reply)
		}
	})
}

// lockedReply runs the reply holding the chat's lock, so that the fleet
// stores and streams one chat's turns one at a time, in the order their
// messages are stored. Without the lock (its store unreachable) the turn
// goes on, ordered by this instance's queue alone: a reply is worth more
// than the order across instances.
func (s *Service) lockedReply(ctx context.Context, turn Turn, text string) (string, bool) {
	if s.locker != nil {
		unlock, err := s.locker.Lock(ctx, turn.ChatID)
		if err == nil {
			defer unlock()
			s.recoverTurn(ctx, turn.ChatID)
		} else if ctx.Err() == nil {
			s.logger.Warn("chat lock unavailable; the turn runs without it", "chat_id", turn.ChatID, "error", err)
		}
	}
	return s.reply(ctx, turn, text)
}

// StopTurn stops the chat's turn running on this instance, if one is:
// what the AI has sent is stored, and the turns waiting behind it run.
func (s *Service) StopTurn(chatID int64) bool { return s.queue.stop(chatID) }

// Streaming reports whether a turn of the chat is running, here or (with a
// locker) on any instance.
func (s *Service) Streaming(ctx context.Context, chatID int64) (bool, error) {
	if s.queue.runs(chatID) || s.locker == nil {
		return s.queue.runs(chatID), nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	return s.locker.Held(ctx, chatID)
}

// Shutdown refuses new turns and waits for queued ones; when ctx ends first
// it cancels them (each stores what it received) and waits for them.
func (s *Service) Shutdown(ctx context.Context) { s.queue.shutdown(ctx) }
