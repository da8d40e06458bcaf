package chat

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/store"
)

// logTimeout bounds one write to the turn log, which must not hold a reply
// up for long.
const logTimeout = 2 * time.Second

// recordingSink keeps each step of a turn in the turn log before its sink
// hears of it: what a client was sent is in the log, for the chat's
// watchers and for whoever stores the reply when this instance dies. A log
// that fails is given up for the rest of the turn, logged once: the reply
// is worth more than its followers.
type recordingSink struct {
	Sink
	service *Service
	ctx     context.Context
	chatID  int64
	failed  bool
}

// recorded begins the turn in the log with the user's stored message and
// returns the turn's sink, recording.
func (s *Service) recorded(ctx context.Context, turn Turn, message store.Message) Sink {
	r := &recordingSink{Sink: turn.Sink, service: s, ctx: context.WithoutCancel(ctx), chatID: turn.ChatID}
	r.append(Event{Kind: EventBegin, Origin: turn.Origin, MessageID: message.ID, Text: message.Content, Time: message.Timestamp})
	return r
}

func (r *recordingSink) append(e Event) {
	if r.failed {
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, logTimeout)
	defer cancel()
	if err := r.service.log.Append(ctx, r.chatID, e); err != nil {
		r.failed = true
		r.service.logger.Warn("turn log unavailable; the chat's watchers miss this reply", "chat_id", r.chatID, "error", err)
	}
}

func (r *recordingSink) Token(seq int, text string) error {
	r.append(Event{Kind: EventToken, Seq: seq, Text: text})
	return r.Sink.Token(seq, text)
}

func (r *recordingSink) Complete(messageID int64, fullText string) {
	r.append(Event{Kind: EventComplete, MessageID: messageID, Text: fullText})
	r.Sink.Complete(messageID, fullText)
}

func (r *recordingSink) Stopped(messageID int64, fullText string) {
	r.append(Event{Kind: EventStopped, MessageID: messageID, Text: fullText})
	r.Sink.Stopped(messageID, fullText)
}

func (r *recordingSink) Error(err error) {
	r.append(Event{Kind: EventError, Text: apperr.Socket(err)})
	r.Sink.Error(err)
}

// recoverTurn ends the chat's turn that the log shows begun and not ended
// while no instance runs it (its instance died): what had streamed is
// stored, as for an AI failure midway, and the turn ends in the log with
// that error, which the chat's watchers are told. The caller holds the
// chat's lock, so the turn is not running anywhere.
func (s *Service) recoverTurn(ctx context.Context, chatID int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	last, ok, err := s.log.Last(ctx, chatID)
	if err != nil || !ok || last.Kind.Ends() {
		return
	}
	events, err := s.log.Since(ctx, chatID, "", 0)
	if err != nil {
		s.logger.Warn("unable to read a turn whose instance died", "chat_id", chatID, "error", err)
		return
	}
	var full strings.Builder
	for _, e := range events {
		if e.Kind == EventToken {
			full.WriteString(e.Text)
		}
	}
	end := Event{Kind: EventError, Text: apperr.Socket(apperr.New(apperr.KindAIUnavailable))}
	if full.Len() > 0 {
		stored, err := s.store.AddAssistantMessage(ctx, chatID, full.String())
		switch {
		case errors.Is(err, store.ErrNotFound):
			// The chat was deleted: nothing to store, the turn just ends.
		case err != nil:
			// Left listed, so that the next sweep tries again.
			s.logger.Error("unable to store the reply of a turn whose instance died", "chat_id", chatID, "error", err)
			return
		default:
			end.MessageID = stored.ID
		}
	}
	if err := s.log.Append(ctx, chatID, end); err != nil {
		s.logger.Warn("unable to end a turn whose instance died", "chat_id", chatID, "error", err)
		return
	}
	s.logger.Warn("a turn's instance died mid-reply; what had streamed is stored",
		"chat_id", chatID, "message_id", end.MessageID, "reply_bytes", full.Len())
}

// sweepLockWait bounds the wait for a chat's lock when sweeping: a chat
// whose lock is busy has a live turn, or another instance sweeping it.
const sweepLockWait = 200 * time.Millisecond

// SweepOrphans recovers (recoverTurn) every turn the log lists as running
// whose chat no instance holds the lock of: their instances died, and
// their leases lapsed. It needs a Locker; without one it does nothing.
func (s *Service) SweepOrphans(ctx context.Context) {
	if s.locker == nil {
		return
	}
	running, err := s.log.Running(ctx)
	if err != nil {
		s.logger.Warn("unable to list running turns", "error", err)
		return
	}
	for _, chatID := range running {
		if s.queue.runs(chatID) {
			continue
		}
		if held, err := s.locker.Held(ctx, chatID); err != nil || held {
			continue
		}
		lockCtx, cancel := context.WithTimeout(ctx, sweepLockWait)
		unlock, err := s.locker.Lock(lockCtx, chatID)
		cancel()
		if err != nil {
			continue
		}
		s.recoverTurn(ctx, chatID)
		unlock()
	}
}
