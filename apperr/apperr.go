// Package apperr is the one error type a client may see: a kind, which
// decides the HTTP status and the texts (texts.go), and a cause that only
// the log sees. Every package that answers a client returns these.
package apperr

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Error is a failure with a client-facing kind.
type Error struct {
	Kind Kind
	// Err is the cause, for the log only.
	Err error
	// RetryAfter, when set, tells the client when to try again (429's
	// Retry-After header).
	RetryAfter time.Duration
}

// New is an error of kind with no cause.
func New(kind Kind) *Error { return &Error{Kind: kind} }

// Wrap is an error of kind caused by err.
func Wrap(kind Kind, err error) *Error { return &Error{Kind: kind, Err: err} }

// Internal wraps an unexpected cause; the client sees only the generic text.
func Internal(err error) *Error { return Wrap(KindInternal, err) }

func (e *Error) Error() string {
	message := e.Kind.String()
	if e.Err != nil {
		return message + ": " + e.Err.Error()
	}
	return message
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf is err's kind: KindInternal for nil kinds and for errors that
// are not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err is an *Error of kind.
func Is(err error, kind Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}

// RetryAfterSeconds is the Retry-After header for err: its RetryAfter in
// whole seconds, rounded up so a client that waits that long succeeds; ""
// when err says nothing of when to retry.
func RetryAfterSeconds(err error) string {
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter <= 0 {
		return ""
	}
	return strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds())))
}
