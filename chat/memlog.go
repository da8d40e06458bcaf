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
	last    uint64 // positions increase across all chats, so one stays comparable after its log is dropped
	chats   map[int64]*memoryLog
	signals map[int64]*signal // chats someone waits on
}

// memoryLog is one chat's current turn and the one before it, kept for a
// follower still reading its end; positions[i] is events[i].Pos as a number.
type memoryLog struct {
	events    []Event
	positions []uint64
	begin     int // the current turn's first event
}

// signal is closed by the next Append to its chat.
type signal struct {
	ch      chan struct{}
	waiters int
}

// NewMemoryTurnLog is an empty log.
func NewMemoryTurnLog() *MemoryTurnLog {
	return &MemoryTurnLog{chats: map[int64]*memoryLog{}, signals: map[int64]*signal{}}
}

var _ TurnLog = (*MemoryTurnLog)(nil)

func (l *MemoryTurnLog) Append(_ context.Context, chatID int64, e Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	e.Pos = strconv.FormatUint(l.last, 10)
	log := l.chats[chatID]
	if log == nil {
		log = &memoryLog{}
		l.chats[chatID] = log
	}
	if e.Kind == EventBegin {
		// The turn before the previous one goes.
		log.events, log.positions = slices.Clone(log.events[log.begin:]), slices.Clone(log.positions[log.begin:])
		log.begin = len(log.events)
	}
	log.events = append(log.events, e)
	log.positions = append(log.positions, l.last)
	if e.Kind.Ends() {
		end := l.last
		time.AfterFunc(EndedTurnGrace, func() { l.drop(chatID, log, end) })
	}
	if sig := l.signals[chatID]; sig != nil {
		close(sig.ch)
		delete(l.signals, chatID)
	}
	return nil
}

// drop forgets a chat's log whose last event is still the end at pos.
func (l *MemoryTurnLog) drop(chatID int64, log *memoryLog, pos uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.chats[chatID] == log && log.positions[len(log.positions)-1] == pos {
		delete(l.chats, chatID)
	}
}

func (l *MemoryTurnLog) Since(ctx context.Context, chatID int64, pos string, wait time.Duration) ([]Event, error) {
	l.mu.Lock()
	after := l.position(chatID, pos)
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

// position is pos as a number; "" is just before the chat's current turn.
// l.mu is held.
func (l *MemoryTurnLog) position(chatID int64, pos string) uint64 {
	if pos != "" {
		n, _ := strconv.ParseUint(pos, 10, 64)
		return n
	}
	if log := l.chats[chatID]; log != nil && log.begin < len(log.positions) {
		return log.positions[log.begin] - 1
	}
	return 0
}

// after is a copy of the chat's events past position after; l.mu is held.
func (l *MemoryTurnLog) after(chatID int64, after uint64) []Event {
	log := l.chats[chatID]
	if log == nil {
		return nil
	}
	i, _ := slices.BinarySearch(log.positions, after+1)
	if i == len(log.events) {
		return nil
	}
	return slices.Clone(log.events[i:])
}

func (l *MemoryTurnLog) Last(_ context.Context, chatID int64) (Event, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if log := l.chats[chatID]; log != nil {
		return log.events[len(log.events)-1], true, nil
	}
	return Event{}, false, nil
}

func (l *MemoryTurnLog) Running(context.Context) ([]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var running []int64
	for chatID, log := range l.chats {
		if !log.events[len(log.events)-1].Kind.Ends() {
			running = append(running, chatID)
		}
	}
	return running, nil
}
