package socketio

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/logging"
)

// A socket that watches a chat gets the chat's turns from the turn log
// (chat.TurnLog): what the running reply streamed so far, then the rest and
// every later turn live. This instance follows each watched chat's log
// once, whatever number of its sockets watch it.

// followWait bounds one wait for a chat's next events, so that a follower
// no one needs any more notices soon.
const followWait = 5 * time.Second

// watchers is this instance's followers, by chat.
type watchers struct {
	mu       sync.Mutex
	chats    map[int64]*follower
	bySocket map[socket.SocketId]map[int64]bool
}

// follower follows one chat's log for the sockets here that watch it.
type follower struct {
	chatID int64
	stop   context.CancelFunc
	// mu orders a new watcher's catch-up before the events it then gets live.
	mu      sync.Mutex
	turn    []chat.Event // the current turn's events so far
	pos     string       // the last event read
	sockets map[socket.SocketId]*socket.Socket
}

// onWatchChat answers chat_state, then replays the running reply's tokens
// after after_seq, and from then on sends the chat's turns live.
func (s *Server) onWatchChat(sock *socket.Socket, user *socketUser, args []any) {
	chatID, afterSeq, ok := parseWatch(args)
	if !ok {
		emitError(sock, invalidMessage)
		return
	}
	err := s.Chat.CheckChat(user.ctx, user.UserID, chatID)
	if err == nil {
		err = s.watch(user.ctx, sock, chatID, afterSeq)
	}
	if err != nil {
		s.refuse(sock, chatID, err)
	}
}

func (s *Server) onUnwatchChat(sock *socket.Socket, _ *socketUser, args []any) {
	data, ok := eventObject(args)
	chatID, okID := parseChatID(data["chat_id"])
	if !ok || !okID {
		emitError(sock, invalidMessage)
		return
	}
	s.unwatch(sock, chatID)
}

// parseWatch reads {chat_id, after_seq?}; after_seq is a whole number.
func parseWatch(args []any) (chatID int64, afterSeq int, ok bool) {
	data, ok := eventObject(args)
	if !ok {
		return 0, 0, false
	}
	if chatID, ok = parseChatID(data["chat_id"]); !ok {
		return 0, 0, false
	}
	switch after := data["after_seq"].(type) {
	case nil:
		return chatID, 0, true
	case float64:
		if after != math.Trunc(after) || after < 0 || after > math.MaxInt32 {
			return 0, 0, false
		}
		return chatID, int(after), true
	}
	return 0, 0, false
}

// watch adds sock to the chat's follower, starting one when it is the
// chat's first watcher here.
func (s *Server) watch(ctx context.Context, sock *socket.Socket, chatID int64, afterSeq int) error {
	w := &s.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	f := w.chats[chatID]
	if f == nil {
		current, err := s.Chat.Log().Since(ctx, chatID, "", 0)
		if err != nil {
			return apperr.Internal(err)
		}
		followCtx, stop := context.WithCancel(context.Background())
		f = &follower{chatID: chatID, stop: stop, sockets: map[socket.SocketId]*socket.Socket{}}
		f.read(current, false)
		w.chats[chatID] = f
		go s.follow(followCtx, f)
	}
	if w.bySocket[sock.Id()] == nil {
		w.bySocket[sock.Id()] = map[int64]bool{}
	}
	w.bySocket[sock.Id()][chatID] = true

	f.mu.Lock()
	defer f.mu.Unlock()
	streaming, seq := f.state()
	_ = emit(sock, evChatState, chatStateEvent{ChatID: chatID, Streaming: streaming, Seq: seq})
	if streaming {
		for _, e := range f.turn {
			if e.Kind == chat.EventToken && e.Seq > afterSeq {
				_ = emit(sock, evMessageToken, tokenEvent{Text: e.Text, ChatID: chatID, Seq: e.Seq})
			}
		}
	}
	f.sockets[sock.Id()] = sock
	return nil
}

// unwatch removes sock from the chat's follower, stopping it after its
// last watcher here.
func (s *Server) unwatch(sock *socket.Socket, chatID int64) {
	w := &s.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	if chats := w.bySocket[sock.Id()]; chats != nil {
		delete(chats, chatID)
		if len(chats) == 0 {
			delete(w.bySocket, sock.Id())
		}
	}
	f := w.chats[chatID]
	if f == nil {
		return
	}
	f.mu.Lock()
	delete(f.sockets, sock.Id())
	last := len(f.sockets) == 0
	f.mu.Unlock()
	if last {
		f.stop()
		delete(w.chats, chatID)
	}
}

// unwatchAll ends every watch of a socket that disconnected.
func (s *Server) unwatchAll(sock *socket.Socket) {
	s.watchers.mu.Lock()
	chats := s.watchers.bySocket[sock.Id()]
	s.watchers.mu.Unlock()
	for chatID := range chats {
		s.unwatch(sock, chatID)
	}
}

// follow reads the chat's log until stopped, sending what it reads to the
// chat's watchers.
func (s *Server) follow(ctx context.Context, f *follower) {
	outage := logging.NewOutage(s.Logger, "turn log (following a watched chat)")
	for ctx.Err() == nil {
		f.mu.Lock()
		pos := f.pos
		f.mu.Unlock()
		events, err := s.Chat.Log().Since(ctx, f.chatID, pos, followWait)
		if err != nil {
			if ctx.Err() == nil {
				outage.Failed(err)
				sleep(ctx, time.Second)
			}
			continue
		}
		f.mu.Lock()
		f.read(events, true)
		f.mu.Unlock()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// read takes events in, in order, sending each to the watchers when send
// is set, except to the socket whose turn it is (its sink tells it); f.mu
// is held.
func (f *follower) read(events []chat.Event, send bool) {
	for _, e := range events {
		if e.Kind == chat.EventBegin {
			f.turn = f.turn[:0]
		}
		f.turn = append(f.turn, e)
		f.pos = e.Pos
		if !send {
			continue
		}
		origin := socket.SocketId(f.turn[0].Origin)
		name, payload := watchedEvent(f.chatID, e)
		for id, sock := range f.sockets {
			if id != origin {
				_ = emit(sock, name, payload)
			}
		}
	}
}

// state is what chat_state tells: whether a reply is streaming, and the
// seq of its last token so far (0 when idle); f.mu is held.
func (f *follower) state() (streaming bool, seq int) {
	if len(f.turn) == 0 || f.turn[len(f.turn)-1].Kind.Ends() {
		return false, 0
	}
	for _, e := range f.turn {
		if e.Kind == chat.EventToken {
			seq = e.Seq
		}
	}
	return true, seq
}

// watchedEvent is the socket event of a turn's event, as its sender got it.
func watchedEvent(chatID int64, e chat.Event) (string, any) {
	switch e.Kind {
	case chat.EventBegin:
		return evUserMessage, userMessageEvent{ChatID: chatID, MessageID: e.MessageID, Content: e.Text,
			Timestamp: e.Time.UTC().Format(timestampLayout)}
	case chat.EventToken:
		return evMessageToken, tokenEvent{Text: e.Text, ChatID: chatID, Seq: e.Seq}
	case chat.EventComplete:
		return evMessageComplete, completeEvent{MessageID: e.MessageID, FullText: e.Text, ChatID: chatID}
	case chat.EventStopped:
		return evMessageComplete, newStoppedEvent(chatID, e.MessageID, e.Text)
	}
	return evError, errorEvent{Message: e.Text, ChatID: chatID}
}

// timestampLayout is REST's: ISO 8601 in UTC with a Z.
const timestampLayout = "2006-01-02T15:04:05.999999Z"
