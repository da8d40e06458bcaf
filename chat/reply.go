package chat

import (
	"context"
	"errors"
	"time"

	"github.com/amanda-platform/amanda-backend/aiclient"
	"github.com/amanda-platform/amanda-backend/apperr"
)

// storeTimeout bounds the writes that save a turn, which must happen even
// after the turn's own context was cancelled.
const storeTimeout = 10 * time.Second

// reply stores the user's message, streams the AI's reply to the sink and
// stores it; it reports the reply and whether it completed.
func (s *Service) reply(ctx context.Context, turn Turn, text string) (string, bool) {
	log := s.logger.With("chat_id", turn.ChatID, "user_id", turn.UserID)
	// Saved before the AI is called, and with a context of its own, so the
	// user's message is never lost.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	message, err := s.store.AddUserMessage(saveCtx, turn.ChatID, text, Title(text))
	cancel()
	if err != nil {
		log.Error("unable to store user message", "error", err)
		turn.Sink.Error(apperr.Wrap(apperr.KindSaveMessageFailed, err))
		return "", false
	}
	// From here on, every step is kept in the turn log too.
	turn.Sink = s.recorded(ctx, turn, message)

	done := s.metrics.ReplyStarted()
	defer done()
	start, seq := time.Now(), 0
	full, streamErr := s.ai.StreamReply(ctx, turn.UserID, turn.ChatID, text, func(chunk string) error {
		if seq++; seq == 1 {
			s.metrics.FirstToken(time.Since(start))
		}
		s.metrics.TokensStreamed(1)
		return turn.Sink.Token(seq, chunk)
	})
	if errors.Is(context.Cause(ctx), errStopped) {
		return s.stopped(turn, full)
	}
	if streamErr == nil && full == "" {
		streamErr = errors.New("the AI backend sent an empty reply")
	}
	if streamErr != nil {
		s.metrics.AIError(aiErrorKind(streamErr))
	}
	if full == "" {
		log.Warn("AI reply failed", "error", streamErr)
		turn.Sink.Error(apperr.Wrap(apperr.KindAIUnavailable, streamErr))
		return "", false
	}

	// What arrived is stored, whole or partial, before anything is reported.
	saveCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	stored, err := s.store.AddAssistantMessage(saveCtx, turn.ChatID, full)
	cancel()
	if err != nil {
		log.Error("unable to store assistant message", "error", err, "reply_bytes", len(full))
		turn.Sink.Error(apperr.Wrap(apperr.KindSaveReplyFailed, err))
		return "", false
	}
	if streamErr != nil {
		log.Warn("AI reply cut off; partial reply stored", "error", streamErr, "message_id", stored.ID)
		turn.Sink.Error(apperr.Wrap(apperr.KindAIUnavailable, streamErr))
		return "", false
	}
	turn.Sink.Complete(stored.ID, full)
	return full, true
}

// stopped ends a turn stopped on request: what streamed is stored (nothing
// when nothing did) and reported as stopped. It reports no reply, so a
// voice turn does not speak it.
func (s *Service) stopped(turn Turn, full string) (string, bool) {
	if full == "" {
		turn.Sink.Stopped(0, "")
		return "", false
	}
	saveCtx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	stored, err := s.store.AddAssistantMessage(saveCtx, turn.ChatID, full)
	if err != nil {
		s.logger.Error("unable to store a stopped reply", "chat_id", turn.ChatID, "error", err, "reply_bytes", len(full))
		turn.Sink.Error(apperr.Wrap(apperr.KindSaveReplyFailed, err))
		return "", false
	}
	turn.Sink.Stopped(stored.ID, full)
	return "", false
}

// aiErrorKind names an AI failure for metrics.
func aiErrorKind(err error) string {
	switch {
	case errors.Is(err, aiclient.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, aiclient.ErrFirstTokenTimeout):
		return "first_token_timeout"
	case errors.Is(err, aiclient.ErrTimeout):
		return "timeout"
	case errors.Is(err, aiclient.ErrStream):
		return "stream"
	}
	return "other"
}
