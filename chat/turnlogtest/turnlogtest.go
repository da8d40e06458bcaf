// Package turnlogtest holds what every chat.TurnLog must do, run against
// each of them.
package turnlogtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/chat"
)

// Run checks the log that newLog returns (empty, of the test's own).
func Run(t *testing.T, newLog func(t *testing.T) chat.TurnLog) {
	t.Run("a turn reads back in order from any position", func(t *testing.T) {
		log, ctx := newLog(t), t.Context()
		begun := time.Date(2026, 12, 1, 10, 30, 0, 123456000, time.UTC)
		mustAppend(t, log, 7, chat.Event{Kind: chat.EventBegin, Origin: "socket-a", MessageID: 41, Text: "hello", Time: begun})
		for seq, text := range []string{"Hi", " there", "!"} {
			mustAppend(t, log, 7, chat.Event{Kind: chat.EventToken, Seq: seq + 1, Text: text})
		}
		events := since(t, log, 7, "")
		if len(events) != 4 {
			t.Fatalf("read %d events, want 4: %+v", len(events), events)
		}
		if b := events[0]; b.Kind != chat.EventBegin || b.Origin != "socket-a" || b.MessageID != 41 || b.Text != "hello" || !b.Time.Equal(begun) {
			t.Fatalf("begin read back as %+v", b)
		}
		if tok := events[2]; tok.Kind != chat.EventToken || tok.Seq != 2 || tok.Text != " there" {
			t.Fatalf("second token read back as %+v", tok)
		}
		if rest := since(t, log, 7, events[1].Pos); len(rest) != 2 || rest[0].Seq != 2 || rest[1].Seq != 3 {
			t.Fatalf("after the first token: %+v", rest)
		}
		if rest := since(t, log, 7, events[3].Pos); len(rest) != 0 {
			t.Fatalf("after the last event: %+v", rest)
		}
		if other := since(t, log, 8, ""); len(other) != 0 {
			t.Fatalf("another chat's log holds %+v", other)
		}
		last, ok, err := log.Last(ctx, 7)
		if err != nil || !ok || last.Pos != events[3].Pos {
			t.Fatalf("Last = %+v, %v, %v; want the third token", last, ok, err)
		}
	})

	t.Run("running lists begun turns until they end", func(t *testing.T) {
		log, ctx := newLog(t), t.Context()
		mustAppend(t, log, 1, chat.Event{Kind: chat.EventBegin, Text: "a"})
		mustAppend(t, log, 2, chat.Event{Kind: chat.EventBegin, Text: "b"})
		mustAppend(t, log, 2, chat.Event{Kind: chat.EventComplete, MessageID: 9, Text: "done"})
		running, err := log.Running(ctx)
		if err != nil || !slices.Equal(running, []int64{1}) {
			t.Fatalf("Running = %v, %v; want [1]", running, err)
		}
		last, ok, err := log.Last(ctx, 2)
		if err != nil || !ok || last.Kind != chat.EventComplete || last.MessageID != 9 || last.Text != "done" {
			t.Fatalf("the ended turn's last event: %+v, %v, %v", last, ok, err)
		}
	})

	t.Run("a new turn keeps the one before for followers behind", func(t *testing.T) {
		log := newLog(t)
		mustAppend(t, log, 3, chat.Event{Kind: chat.EventBegin, Text: "first"})
		mustAppend(t, log, 3, chat.Event{Kind: chat.EventToken, Seq: 1, Text: "one"})
		mustAppend(t, log, 3, chat.Event{Kind: chat.EventComplete, Text: "one"})
		first := since(t, log, 3, "")
		mustAppend(t, log, 3, chat.Event{Kind: chat.EventBegin, Text: "second"})
		if events := since(t, log, 3, ""); len(events) != 1 || events[0].Text != "second" {
			t.Fatalf("the chat's current turn after a second began: %+v", events)
		}
		// A follower that had read the first turn's token still gets its end.
		next := since(t, log, 3, first[1].Pos)
		if len(next) != 2 || next[0].Kind != chat.EventComplete || next[1].Text != "second" {
			t.Fatalf("after the first turn's token: %+v", next)
		}
		// A third turn drops the first.
		mustAppend(t, log, 3, chat.Event{Kind: chat.EventComplete, Text: "two"})
		mustAppend(t, log, 3, chat.Event{Kind: chat.EventBegin, Text: "third"})
		rest := since(t, log, 3, first[0].Pos)
		if len(rest) != 3 || rest[0].Text != "second" || rest[2].Text != "third" {
			t.Fatalf("after the first turn began, once a third did: %+v", rest)
		}
	})

	t.Run("an ended turn is forgotten after the grace", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits chat.EndedTurnGrace")
		}
		log := newLog(t)
		mustAppend(t, log, 4, chat.Event{Kind: chat.EventBegin, Text: "q"})
		mustAppend(t, log, 4, chat.Event{Kind: chat.EventError, Text: "AI service unavailable. Please try again later."})
		time.Sleep(chat.EndedTurnGrace + 500*time.Millisecond)
		if _, ok, err := log.Last(t.Context(), 4); ok || err != nil {
			t.Fatalf("the ended turn is still there (%v)", err)
		}
	})

	t.Run("a wait ends with the next event or the time given", func(t *testing.T) {
		log, ctx := newLog(t), t.Context()
		mustAppend(t, log, 5, chat.Event{Kind: chat.EventBegin, Text: "q"})
		pos := since(t, log, 5, "")[0].Pos
		start := time.Now()
		if events, err := log.Since(ctx, 5, pos, 200*time.Millisecond); err != nil || len(events) != 0 {
			t.Fatalf("a wait with nothing new: %+v, %v", events, err)
		}
		if waited := time.Since(start); waited < 150*time.Millisecond {
			t.Fatalf("returned after %s, before the wait was over", waited)
		}
		got := make(chan []chat.Event, 1)
		go func() {
			events, _ := log.Since(ctx, 5, pos, 10*time.Second)
			got <- events
		}()
		time.Sleep(100 * time.Millisecond)
		mustAppend(t, log, 5, chat.Event{Kind: chat.EventToken, Seq: 1, Text: "live"})
		select {
		case events := <-got:
			if len(events) != 1 || events[0].Text != "live" {
				t.Fatalf("the waiting read got %+v", events)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the waiting read did not wake for the new event")
		}
		// A cancelled wait returns at once.
		cancelled, cancel := context.WithCancel(ctx)
		go func() { time.Sleep(100 * time.Millisecond); cancel() }()
		start = time.Now()
		_, _ = log.Since(cancelled, 5, since(t, log, 5, "")[1].Pos, 10*time.Second)
		if waited := time.Since(start); waited > 5*time.Second {
			t.Fatalf("a cancelled wait returned after %s", waited)
		}
	})
}

func mustAppend(t *testing.T, log chat.TurnLog, chatID int64, e chat.Event) {
	t.Helper()
	if err := log.Append(t.Context(), chatID, e); err != nil {
		t.Fatalf("append %s to chat %d: %v", e.Kind, chatID, err)
	}
}

func since(t *testing.T, log chat.TurnLog, chatID int64, pos string) []chat.Event {
	t.Helper()
	events, err := log.Since(t.Context(), chatID, pos, 0)
	if err != nil {
		t.Fatalf("read chat %d after %q: %v", chatID, pos, err)
	}
	return events
}
