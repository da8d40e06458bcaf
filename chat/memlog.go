package chat

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// EndedTurnGrace is how long a log keeps a turn after its end, for
// followers a moment behind; the next turn drops it sooner.
const EndedTurnGrace = 5 * time.Second

// MemoryTurnLog is the TurnLog of an instance that runs alone.
type MemoryTurnLog struct {
	mu      sync.Mutex
	last    uint64 // positions increase across all chats, so one stays comparable after its turn is dropped
	turns   map[int64]*memoryTurn
	signals map[int64]*signal // chats someone waits on
}

// memoryTurn is one chat's turn; positions[i] is events[i].Pos as a number.
type memoryTurn struct {
	events    []Event
	positions []uint64
}

// signal is closed by the next Append to its chat.
type signal struct {
	ch      chan struct{}
	waiters int
}

// NewMemoryTurnLog is an empty log.
func NewMemoryTurnLog() *MemoryTurnLog {
	return &MemoryTurnLog{turns: map[int64]*memoryTurn{}, signals: map[int64]*signal{}}
}

var _ TurnLog = (*MemoryTurnLog)(nil)

func (l *MemoryTurnLog) Append(_ context.Context, chatID int64, e Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	e.Pos = strconv.FormatUint(l.last, 10)
	turn := l.turns[chatID]
	if turn == nil || e.Kind == EventBegin {
		turn = &memoryTurn{}
		l.turns[chatID] = turn
	}
	turn.events = append(turn.events, e)
	turn.positions = append(turn.positions, l.last)
	if e.Kind.Ends() {
		time.AfterFunc(EndedTurnGrace, func() { l.drop(chatID, turn) })
	}
	if sig := l.signals[chatID]; sig != nil {
		close(sig.ch)
		delete(l.signals, chatID)
	}
	return nil
}

// drop forgets an ended turn unless a newer one took its place.
func (l *MemoryTurnLog) drop(chatID int64, turn *memoryTurn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.turns[chatID] == turn {
		delete(l.turns, chatID)
	}
}

func (l *MemoryTurnLog) Since(ctx context.Context, chatID int64, pos string, wait time.Duration) ([]Event, error) {
	after, _ := strconv.ParseUint(pos, 10, 64) // "" is 0: from the start
	l.mu.Lock()
	events := l.after(chatID, after)
	if len(events) > 0 || wait <= 0 {
		l.mu.Unlock()
		return events, nil
	}
	sig := l.signals[chatID]
	if sig == nil {
		sig = &signal{ch: make(chan struct{})}
		l.signals[chatID] = sig
	}
	sig.waiters++
	l.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-sig.ch:
	case <-timer.C:
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if sig.waiters--; sig.waiters == 0 && l.signals[chatID] == sig {
		delete(l.signals, chatID)
	}
	return l.after(chatID, after), ctx.Err()
}

// after is a copy of the chat's events past position after; l.mu is held.
func (l *MemoryTurnLog) after(chatID int64, after uint64) []Event {
	turn := l.turns[chatID]
	if turn == nil {
		return nil
	}
	i, _ := slices.BinarySearch(turn.positions, after+1)
	if i == len(turn.events) {
		return nil
	}
	return slices.Clone(turn.events[i:])
}

func (l *MemoryTurnLog) Last(_ context.Context, chatID int64) (Event, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if turn := l.turns[chatID]; turn != nil {
		return turn.events[len(turn.events)-1], true, nil
	}
	return Event{}, false, nil
}

func (l *MemoryTurnLog) Running(context.Context) ([]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var running []int64
	for chatID, turn := range l.turns {
		if !turn.events[len(turn.events)-1].Kind.Ends() {
			running = append(running, chatID)
		}
	}
	return running, nil
}
