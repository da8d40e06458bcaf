package aiclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The kinds of failure of StreamReply. Each error StreamReply returns wraps
// exactly one of them, or the caller's own context error, or the error of
// the chunk callback.
var (
	// ErrUnavailable: the AI backend could not be reached.
	ErrUnavailable = errors.New("AI backend unavailable")
	// ErrFirstTokenTimeout: the backend sent nothing within FirstTokenTimeout.
	ErrFirstTokenTimeout = errors.New("AI backend sent no first chunk in time")
	// ErrTimeout: the whole reply took longer than ReplyTimeout.
	ErrTimeout = errors.New("AI reply timed out")
	// ErrStream: the backend failed the call or the stream broke midway.
	ErrStream = errors.New("AI reply stream failed")
)

// deadlineSkew is how early a backend may end a call at our deadline.
const deadlineSkew = time.Second

// classify names the kind of a gRPC failure. ctx is the call's context, whose
// cause tells our own deadlines apart from the caller's cancellation.
func classify(ctx context.Context, err error, gotChunk bool) error {
	if status.Code(err) == codes.DeadlineExceeded {
		// The backend enforces the deadline we sent it and may end the call
		// a moment before our own timer fires; wait for it to name the cause.
		if d, ok := ctx.Deadline(); ok && time.Until(d) < deadlineSkew {
			<-ctx.Done()
		}
	}
	if cause := context.Cause(ctx); cause != nil {
		// ErrFirstTokenTimeout, ErrTimeout, or the caller's context error.
		return fmt.Errorf("%w: %w", cause, err)
	}
	// Unavailable after a chunk means the connection dropped mid-reply.
	if !gotChunk && status.Code(err) == codes.Unavailable {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrStream, err)
}
