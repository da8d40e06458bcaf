package chat

import (
	"context"
	"time"
)

// A turn's events are kept, while it runs, where every instance can read
// them (TurnLog): a socket that watches the chat catches up from them and
// follows them live, and when the instance running the turn dies, another
// one stores what had streamed.

// EventKind names what happened in a turn.
type EventKind string

const (
	// EventBegin is the user's message, stored: the turn's first event.
	EventBegin EventKind = "begin"
	// EventToken is one chunk of the reply.
	EventToken EventKind = "token"
	// EventComplete is the reply, stored whole.
	EventComplete EventKind = "complete"
	// EventStopped is a reply stopped on request; MessageID is 0 when
	// nothing had streamed and nothing was stored.
	EventStopped EventKind = "stopped"
	// EventError ends the turn with the socket text in Text.
	EventError EventKind = "error"
)

// Ends reports whether the event is a turn's last.
func (k EventKind) Ends() bool { return k == EventComplete || k == EventStopped || k == EventError }

// Event is one step of a running turn.
type Event struct {
	// Pos is the event's place in the chat's log, set by the log: pass the
	// last one seen to TurnLog.Since.
	Pos  string
	Kind EventKind
	// Origin is the Turn's Origin (Begin only): whoever hears of the turn
	// from its Sink does not need it again from the log.
	Origin string
	// MessageID: the user's message (Begin), the stored reply (Complete,
	// Stopped).
	MessageID int64
	// Text: the user's message, a token, the full reply, or the error's
	// socket text.
	Text string
	// Seq numbers a reply's tokens 1, 2, … (Token only).
	Seq int
	// Time is when the user's message was stored (Begin only).
	Time time.Time
}

// TurnLog keeps each chat's running turn: one log per chat, holding its
// current (or just ended) turn.
type TurnLog interface {
	// Append adds an event to the chat's log; a Begin drops the turn before.
	Append(ctx context.Context, chatID int64, e Event) error
	// Since returns the chat's events after pos ("": the current turn
	// from its start), in order, waiting up to wait for one when there is
	// none yet (none returned when the wait ends first).
	Since(ctx context.Context, chatID int64, pos string, wait time.Duration) ([]Event, error)
	// Last returns the chat's latest event; false when its log is empty.
	Last(ctx context.Context, chatID int64) (Event, bool, error)
	// Running lists the chats whose turn has begun and not ended, as far
	// as the log knows (a dead instance's turns stay listed).
	Running(ctx context.Context) ([]int64, error)
}
