package aiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	aipb "github.com/amanda-platform/amanda-backend/proto"
)

// StreamReply asks the backend to answer message and calls onChunk with every
// non-empty chunk text, in order. The reply ends at the first chunk with
// done=true (its text still counts) or at the end of the stream.
//
// It returns the text received so far together with any error, so a caller
// can keep a partial reply. ReplyTimeout bounds the whole call and
// FirstTokenTimeout the wait for the first chunk (of any content). An error
// from onChunk stops the reply and is returned as is; other errors wrap one
// of ErrUnavailable, ErrFirstTokenTimeout, ErrTimeout, ErrStream, or ctx's error.
func (c *Client) StreamReply(ctx context.Context, userID, chatID int64, message string, onChunk func(text string) error) (string, error) {
	ctx, cancelReply := context.WithTimeoutCause(ctx, c.replyTimeout, ErrTimeout)
	defer cancelReply()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	firstChunk := time.AfterFunc(c.firstTokenTimeout, func() { cancel(ErrFirstTokenTimeout) })
	defer firstChunk.Stop()

	stream, err := c.ai.StreamChat(ctx, &aipb.ChatMessage{
		UserId:  strconv.FormatInt(userID, 10),
		ChatId:  strconv.FormatInt(chatID, 10),
		Message: message,
	})
	if err != nil {
		return "", fmt.Errorf("aiclient: unable to open stream: %w", classify(ctx, err, false))
	}

	var reply strings.Builder
	gotChunk := false
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return reply.String(), nil
		}
		if err != nil {
			return reply.String(), fmt.Errorf("aiclient: unable to receive reply: %w", classify(ctx, err, gotChunk))
		}
		if !gotChunk {
			firstChunk.Stop()
			gotChunk = true
		}
		if text := chunk.GetText(); text != "" {
			reply.WriteString(text)
			if err := onChunk(text); err != nil {
				return reply.String(), err
			}
		}
		if chunk.GetDone() {
			// Returning cancels the call, so the backend stops streaming.
			return reply.String(), nil
		}
	}
}
