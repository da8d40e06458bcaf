// Package turnlog keeps each chat's running turn in a Redis Stream, so that
// every instance of a fleet can follow a reply another one streams, and
// store it when that instance dies. One stream per chat holds its current
// turn and the one before (for followers still reading its end): a turn's
// first event trims the turn before that, and the stream expires
// chat.EndedTurnGrace after its turn ends. A set lists the chats whose
// turn has begun and not ended.
package turnlog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/chat"
)

// Log is a chat.TurnLog in Redis.
type Log struct {
	client   redis.UniversalClient
	blocking redis.UniversalClient // for waiting reads, each holding a connection
	prefix   string
}

var _ chat.TurnLog = (*Log)(nil)

// New keeps the logs under prefix in client; waiting reads go through
// blocking, whose pool should hold one connection per chat followed.
func New(client, blocking redis.UniversalClient, prefix string) *Log {
	return &Log{client: client, blocking: blocking, prefix: prefix}
}

func (l *Log) stream(chatID int64) string { return l.prefix + "turn:" + strconv.FormatInt(chatID, 10) }
func (l *Log) runningSet() string         { return l.prefix + "running" }

// begin holds the stream id of the chat's current turn's first event.
func (l *Log) begin(chatID int64) string {
	return l.prefix + "turn-begin:" + strconv.FormatInt(chatID, 10)
}

// Stream fields: short, since every token carries them.
const (
	fieldKind      = "k"
	fieldText      = "t"
	fieldSeq       = "s"
	fieldOrigin    = "o"
	fieldMessageID = "m"
	fieldTime      = "ts"
)

// A turn's first event trims the turn before the previous one (the
// previous one stays for followers still reading its end), marks where the
// new one begins, and lists the chat as running, at once.
var beginScript = redis.NewScript(`
local previous = redis.call('GET', KEYS[3])
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
if previous then
  redis.call('XTRIM', KEYS[1], 'MINID', previous)
end
redis.call('PERSIST', KEYS[1])
redis.call('SET', KEYS[3], id)
redis.call('SADD', KEYS[2], ARGV[1])
return id`)

// Append adds e to the chat's stream.
func (l *Log) Append(ctx context.Context, chatID int64, e chat.Event) error {
	fields := []any{fieldKind, string(e.Kind), fieldText, e.Text}
	switch e.Kind {
	case chat.EventToken:
		fields = append(fields, fieldSeq, e.Seq)
		err := l.client.XAdd(ctx, &redis.XAddArgs{Stream: l.stream(chatID), Values: fields}).Err()
		return wrap("append a token", err)
	case chat.EventBegin:
		fields = append(fields, fieldOrigin, e.Origin, fieldMessageID, e.MessageID, fieldTime, e.Time.UnixMicro())
	default:
		fields = append(fields, fieldMessageID, e.MessageID)
	}
	return wrap("append a turn's "+string(e.Kind), l.boundary(ctx, chatID, e.Kind, fields))
}

// boundary appends a turn's first or last event with what it does to the
// stream and the running set.
func (l *Log) boundary(ctx context.Context, chatID int64, kind chat.EventKind, fields []any) error {
	stream, running, begin := l.stream(chatID), l.runningSet(), l.begin(chatID)
	if kind == chat.EventBegin {
		return beginScript.Run(ctx, l.client, []string{stream, running, begin}, append([]any{chatID}, fields...)...).Err()
	}
	_, err := l.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: fields})
		p.PExpire(ctx, stream, chat.EndedTurnGrace)
		p.PExpire(ctx, begin, chat.EndedTurnGrace)
		p.SRem(ctx, running, chatID)
		return nil
	})
	return err
}

// Since reads the chat's events after pos, waiting up to wait for one.
func (l *Log) Since(ctx context.Context, chatID int64, pos string, wait time.Duration) ([]chat.Event, error) {
	if pos == "" {
		current, err := l.beforeCurrentTurn(ctx, chatID)
		if err != nil {
			return nil, err
		}
		pos = current
	}
	args := &redis.XReadArgs{Streams: []string{l.stream(chatID), pos}, Block: -1}
	var streams []redis.XStream
	var err error
	if wait > 0 {
		args.Block = wait
		streams, err = waitingRead(ctx, l.blocking, args)
	} else {
		streams, err = l.client.XRead(ctx, args).Result()
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("read a chat's turn", err)
	}
	var events []chat.Event
	for _, s := range streams {
		for _, m := range s.Messages {
			events = append(events, eventOf(m))
		}
	}
	return events, nil
}

// beforeCurrentTurn is the stream id just before the chat's current turn
// began ("0-0" when no turn is known): XREAD reads after the id it is given.
func (l *Log) beforeCurrentTurn(ctx context.Context, chatID int64) (string, error) {
	id, err := l.client.Get(ctx, l.begin(chatID)).Result()
	if errors.Is(err, redis.Nil) {
		return "0-0", nil
	}
	if err != nil {
		return "", wrap("find a chat's current turn", err)
	}
	ms, seq, ok := strings.Cut(id, "-")
	millis, errMs := strconv.ParseUint(ms, 10, 64)
	n, errSeq := strconv.ParseUint(seq, 10, 64)
	switch {
	case !ok || errMs != nil || errSeq != nil:
		return "", fmt.Errorf("turnlog: a turn begins at %q, not a stream id", id)
	case n > 0:
		return fmt.Sprintf("%d-%d", millis, n-1), nil
	case millis > 0:
		return fmt.Sprintf("%d-%d", millis-1, uint64(math.MaxUint64)), nil
	}
	return "0-0", nil
}

// waitingRead is a blocking XREAD that returns when ctx ends: go-redis
// does not interrupt a blocking read, which goes on (its connection busy)
// until its own wait is over.
func waitingRead(ctx context.Context, client redis.UniversalClient, args *redis.XReadArgs) ([]redis.XStream, error) {
	type result struct {
		streams []redis.XStream
		err     error
	}
	done := make(chan result, 1)
	go func() {
		streams, err := client.XRead(context.WithoutCancel(ctx), args).Result()
		done <- result{streams, err}
	}()
	select {
	case r := <-done:
		return r.streams, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Last reads the chat's latest event.
func (l *Log) Last(ctx context.Context, chatID int64) (chat.Event, bool, error) {
	messages, err := l.client.XRevRangeN(ctx, l.stream(chatID), "+", "-", 1).Result()
	if err != nil {
		return chat.Event{}, false, wrap("read a chat's last event", err)
	}
	if len(messages) == 0 {
		return chat.Event{}, false, nil
	}
	return eventOf(messages[0]), true, nil
}

// Running lists the chats with a turn begun and not ended.
func (l *Log) Running(ctx context.Context) ([]int64, error) {
	members, err := l.client.SMembers(ctx, l.runningSet()).Result()
	if err != nil {
		return nil, wrap("list running turns", err)
	}
	chats := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			chats = append(chats, id)
		}
	}
	return chats, nil
}

// eventOf decodes a stream entry; a field that is not there reads as zero.
func eventOf(m redis.XMessage) chat.Event {
	str := func(name string) string { s, _ := m.Values[name].(string); return s }
	num := func(name string) int64 { n, _ := strconv.ParseInt(str(name), 10, 64); return n }
	e := chat.Event{
		Pos: m.ID, Kind: chat.EventKind(str(fieldKind)), Text: str(fieldText), Origin: str(fieldOrigin),
		MessageID: num(fieldMessageID), Seq: int(num(fieldSeq)),
	}
	if micros := num(fieldTime); micros != 0 {
		e.Time = time.UnixMicro(micros).UTC()
	}
	return e
}

func wrap(action string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("turnlog: unable to %s: %w", action, err)
}
