package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/amanda-platform/amanda-backend/sioclient"
)

// The watchers of the stream scenario (-watchers N): for each streaming
// socket, N more sockets of the same user watch its chat (watch_chat,
// answered with chat_state) before the streams start, and receive every
// turn of it: user_message, the tokens, message_complete. Each turn a
// watcher saw is checked against what its sender got.

// watchGrace is how long a watcher keeps reading after its sender is done,
// for the last events of the last turn.
const watchGrace = 2 * time.Second

// turnTrace is one turn as its sender saw it (exchangeTraced).
type turnTrace struct {
	ok        bool // the sender's reply passed every check
	messageID int64
	fullText  string
	tokens    []string
	at        []time.Time
}

// watchedTurn is one turn as a watcher saw it.
type watchedTurn struct {
	user      userMessage
	tokens    []string
	seqs      []int
	chatIDs   []int64
	at        []time.Time
	complete  bool
	messageID int64
	fullText  string
	doneChat  int64
}

type userMessage struct {
	ChatID    int64  `json:"chat_id"`
	MessageID int64  `json:"message_id"`
	Content   string `json:"content"`
	Timestamp string `json:"timestamp"`
}

// dialWatchers connects -watchers sockets per connected streaming socket,
// with its cookie, and has each watch that socket's chat, waiting for its
// chat_state. A watcher that fails is nil, counted as a failure.
func (r *Run) dialWatchers(ctx context.Context, senders []*sioclient.Conn, cookies []string, chats []int64) [][]*sioclient.Conn {
	cfg := r.cfg
	watchers := make([][]*sioclient.Conn, len(senders))
	if cfg.Watchers == 0 {
		return watchers
	}
	var owners []int // the sender of each watcher
	var wc []string
	for i, c := range senders {
		if c == nil {
			continue
		}
		for range cfg.Watchers {
			owners = append(owners, i)
			wc = append(wc, cookies[i])
		}
	}
	// A watcher gets a whole turn at once when it starts watching late; its
	// buffer holds two.
	d := sioclient.NewDialer(cfg.base, cfg.Origin, cfg.Transport, 2*r.eventBuf(), len(wc))
	var lat Samples
	t := time.Now()
	conns := r.dialAll(ctx, d, wc, &lat)
	parallel(ctx, len(conns), cfg.SetupConcurrency, func(k int) {
		if conns[k] == nil {
			return
		}
		if err := r.startWatching(ctx, conns[k], chats[owners[k]]); err != nil {
			r.fails.Add("watch_failed", err.Error())
			conns[k].Close()
			conns[k] = nil
		}
	})
	for k, c := range conns {
		watchers[owners[k]] = append(watchers[owners[k]], c)
	}
	r.logf("%d/%d watchers watching in %s", countConns(conns), len(conns), time.Since(t).Round(time.Millisecond))
	return watchers
}

// startWatching emits watch_chat and waits for its chat_state: the chat's,
// idle (nothing streams before the run starts).
func (r *Run) startWatching(ctx context.Context, c *sioclient.Conn, chatID int64) error {
	if err := c.Emit("watch_chat", map[string]any{"chat_id": chatID}); err != nil {
		return err
	}
	timer := time.NewTimer(r.cfg.ReplyTimeout)
	defer timer.Stop()
	select {
	case ev := <-c.Events:
		var state struct {
			ChatID    *int64 `json:"chat_id"`
			Streaming *bool  `json:"streaming"`
			Seq       *int   `json:"seq"`
		}
		if ev.Name != "chat_state" || json.Unmarshal(ev.Data, &state) != nil || state.ChatID == nil ||
			*state.ChatID != chatID || state.Streaming == nil || *state.Streaming || state.Seq == nil || *state.Seq != 0 {
			return fmt.Errorf("watch_chat %d answered %s %s, want chat_state {chat_id: %d, streaming: false, seq: 0}", chatID, ev.Name, ev.Data, chatID)
		}
		return nil
	case <-c.Done():
		return fmt.Errorf("socket ended before chat_state: %v", c.Err())
	case <-timer.C:
		return fmt.Errorf("no chat_state within %s", r.cfg.ReplyTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// watchTurns reads a watcher's events until it has seen -m complete turns,
// or its sender is done and nothing has come for watchGrace, or the socket
// or the run ends. Events out of place are failures; the turns' contents
// are checked by checkWatched.
func (r *Run) watchTurns(ctx context.Context, c *sioclient.Conn, senderDone <-chan struct{}) []watchedTurn {
	var turns []watchedTurn
	var grace <-chan time.Time
	done := senderDone
	complete := 0
	for complete < r.cfg.M {
		var ev sioclient.Event
		select {
		case ev = <-c.Events:
		case <-done:
			done = nil
			grace = time.After(watchGrace)
			continue
		case <-grace:
			return turns
		case <-c.Done():
			select {
			case ev = <-c.Events:
			default:
				r.fails.Add("watcher_drop", fmt.Sprintf("watcher ended after %d turns: %v", complete, c.Err()))
				return turns
			}
		case <-ctx.Done():
			return turns
		}
		var current *watchedTurn
		if len(turns) > 0 && !turns[len(turns)-1].complete {
			current = &turns[len(turns)-1]
		}
		switch ev.Name {
		case "user_message":
			if current != nil {
				r.fails.Add("watcher_incomplete_turn", fmt.Sprintf("user_message after %d tokens of the previous turn", len(current.tokens)))
			}
			var um userMessage
			if err := json.Unmarshal(ev.Data, &um); err != nil {
				r.fails.Add("watcher_bad_user_message", string(ev.Data))
			}
			turns = append(turns, watchedTurn{user: um})
		case "message_token":
			var tok struct {
				Text   *string `json:"text"`
				ChatID int64   `json:"chat_id"`
				Seq    int     `json:"seq"`
			}
			if err := json.Unmarshal(ev.Data, &tok); err != nil || tok.Text == nil {
				r.fails.Add("watcher_bad_token", string(ev.Data))
				continue
			}
			if current == nil {
				r.fails.Add("watcher_token_outside_turn", string(ev.Data))
				continue
			}
			current.tokens = append(current.tokens, *tok.Text)
			current.seqs = append(current.seqs, tok.Seq)
			current.chatIDs = append(current.chatIDs, tok.ChatID)
			current.at = append(current.at, ev.At)
		case "message_complete":
			var mc struct {
				MessageID *int64  `json:"message_id"`
				FullText  *string `json:"full_text"`
				ChatID    int64   `json:"chat_id"`
			}
			if err := json.Unmarshal(ev.Data, &mc); err != nil || mc.MessageID == nil || mc.FullText == nil {
				r.fails.Add("watcher_bad_complete", string(ev.Data))
				continue
			}
			if current == nil {
				r.fails.Add("watcher_complete_outside_turn", string(ev.Data))
				continue
			}
			current.complete, current.messageID, current.fullText, current.doneChat = true, *mc.MessageID, *mc.FullText, mc.ChatID
			complete++
		case "error":
			r.fails.Add("watcher_error_event", string(ev.Data))
		default:
			r.fails.Add("watcher_unexpected_event", ev.Name+" "+string(ev.Data))
		}
	}
	return turns
}

// checkWatched compares the turns one watcher of sender i saw with what
// the sender got, turn by turn, counting each right turn in ok and each
// token's delay (its arrival at the watcher after its arrival at the
// sender) in delays. Turns whose reply failed at the sender are not
// checked (that failure is counted already).
func (r *Run) checkWatched(i int, chatID int64, sent []turnTrace, watched []watchedTurn, ok *atomic.Int64, delays *Samples) {
	if len(watched) > len(sent) {
		r.fails.AddN("watcher_extra_turn", len(watched)-len(sent), fmt.Sprintf("socket %d: %d turns watched, %d sent", i, len(watched), len(sent)))
	}
	for j, s := range sent {
		if !s.ok {
			continue
		}
		if j >= len(watched) || !watched[j].complete {
			r.fails.Add("watcher_missing_turn", fmt.Sprintf("socket %d turn %d: not seen whole by its watcher", i, j))
			continue
		}
		if kind, problem := compareTurn(chatID, r.benchMessage(i, j), s, watched[j]); kind != "" {
			r.fails.Add(kind, fmt.Sprintf("socket %d turn %d: %s", i, j, problem))
			continue
		}
		ok.Add(1)
		for k, at := range watched[j].at {
			delays.Add(at.Sub(s.at[k]))
		}
	}
}

// compareTurn checks a watched turn against its sender's: the user's
// message, the same tokens in order numbered 1.., the same message_complete,
// all of the chat. It returns a failure kind and what was wrong, or "".
func compareTurn(chatID int64, message string, sent turnTrace, w watchedTurn) (kind, problem string) {
	u := w.user
	if u.ChatID != chatID || u.Content != message || u.MessageID <= 0 || u.Timestamp == "" {
		return "watcher_bad_user_message", fmt.Sprintf("user_message %+v, want chat %d, content %q", u, chatID, clip(message))
	}
	if !slices.Equal(w.tokens, sent.tokens) {
		return "watcher_tokens_mismatch", fmt.Sprintf("%d tokens %q, the sender got %d %q",
			len(w.tokens), clip(fmt.Sprint(w.tokens)), len(sent.tokens), clip(fmt.Sprint(sent.tokens)))
	}
	for k, seq := range w.seqs {
		if seq != k+1 {
			return "watcher_bad_seq", fmt.Sprintf("token %d has seq %d", k, seq)
		}
		if w.chatIDs[k] != chatID {
			return "watcher_bad_chat_id", fmt.Sprintf("token %d has chat_id %d, want %d", k, w.chatIDs[k], chatID)
		}
	}
	if w.messageID != sent.messageID || w.fullText != sent.fullText || w.doneChat != chatID {
		return "watcher_bad_complete", fmt.Sprintf("message_complete %d %q (chat %d), the sender got %d %q",
			w.messageID, clip(w.fullText), w.doneChat, sent.messageID, clip(sent.fullText))
	}
	return "", ""
}

func countWatchers(watchers [][]*sioclient.Conn) int {
	n := 0
	for _, ws := range watchers {
		n += countConns(ws)
	}
	return n
}
