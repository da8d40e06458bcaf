package handlers

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/session"
)

// Socket.IO event names and messages (CONTRACT.md, Socket.IO).
const (
	evSendMessage     = "send_message"
	evMessageToken    = "message_token"
	evMessageComplete = "message_complete"
	evError           = "error"

	msgConnectRejected = "Connection rejected by server"
	msgInvalidMessage  = "Invalid message data"
	msgEmptyMessage    = "Message cannot be empty"
	msgMessageTooLong  = "Message is too long"
	msgAIUnavailable   = "AI service unavailable. Please try again later."
	msgSaveFailed      = "Could not save your message. Please try again."
	msgReplySaveFailed = "Could not save the reply. Please try again."
	msgUnavailable     = "Service temporarily unavailable. Please try again later."
	msgShuttingDown    = "Server is restarting. Please try again in a moment."
	msgChatBusy        = "Please wait for the replies to your earlier messages."
)

// socketUser is what a socket carries from its handshake.
type socketUser struct {
	SessionID string
	UserID    int64
	queued    atomic.Int64 // packets created and not yet flushed to the transport
	// ctx ends when the socket disconnects, cancelling work done only for
	// this client (speech); replies have a context of their own.
	ctx    context.Context
	cancel context.CancelFunc
}

// SessionRoom is the room of every socket of one session, so a logout can
// disconnect them.
func SessionRoom(sessionID string) socket.Room { return socket.Room("session:" + sessionID) }

// AuthenticateSocket admits a Socket.IO connection only with a live session
// cookie; otherwise the client's connect_error gets the contract's message.
func (a *API) AuthenticateSocket(s *socket.Socket, next func(*socket.ExtendedError)) {
	reject := func() { next(socket.NewExtendedError(msgConnectRejected, nil)) }
	id, ok := a.Sessions.SessionIDFromCookieHeader(s.Request().Request())
	if !ok {
		reject()
		return
	}
	sess, ok, err := a.lookupSession(id)
	if err != nil {
		a.Logger.Error("socket session lookup failed", "error", err)
	}
	if !ok {
		reject()
		return
	}
	// A soft check that gives the client a clear connect_error; the count
	// is kept in OnSocketConnection, which also enforces it.
	if a.MaxSocketsPerUser > 0 && a.sockets.count(sess.UserID) >= a.MaxSocketsPerUser {
		next(socket.NewExtendedError(msgTooManySockets, nil))
		return
	}
	s.SetData(&socketUser{SessionID: sess.ID, UserID: sess.UserID})
	next(nil)
}

// OnSocketConnection registers the events of an admitted socket.
func (a *API) OnSocketConnection(s *socket.Socket) {
	user := s.Data().(*socketUser)
	user.ctx, user.cancel = context.WithCancel(context.Background())
	a.Metrics.SocketConnected()
	_ = s.On("disconnect", func(...any) {
		user.cancel()
		a.sockets.add(user.UserID, -1)
		a.Metrics.SocketDisconnected()
	})
	if n := a.sockets.add(user.UserID, 1); a.MaxSocketsPerUser > 0 && n > a.MaxSocketsPerUser {
		emitError(s, msgTooManySockets)
		s.Disconnect(true)
		return
	}
	s.Join(SessionRoom(user.SessionID))
	releaseHandshake(s)
	a.watchQueue(s, user)
	events := []struct {
		name    string
		handle  func(*socket.Socket, *socketUser, []any)
		limited bool // counts against RATELIMIT_MESSAGES
	}{
		{evSendMessage, a.onSendMessage, true},
		{evSendVoiceMessage, a.onSendVoiceMessage, true},
		{evTextToSpeech, a.onTextToSpeech, false},
	}
	for _, ev := range events {
		_ = s.On(ev.name, func(args ...any) {
			if a.recheckSession(s, user) && (!ev.limited || a.allowMessage(s, user)) {
				ev.handle(s, user, args)
			}
		})
	}
}

// releaseHandshake lets go of the handshake request's headers and query,
// which the Socket.IO library keeps three copies of for the socket's whole
// life (the request, the engine's parsed view, the socket's handshake), and
// of the response's CORS headers; nothing reads them once the socket is
// admitted, and they are a tenth of the memory of an idle socket. Emptied,
// not nil, so that a late reader finds nothing and a late writer does not
// panic.
func releaseHandshake(s *socket.Socket) {
	if hs := s.Handshake(); hs != nil {
		hs.Headers, hs.Query = map[string]any{}, map[string]any{}
	}
	ctx := s.Request()
	ctx.Headers().Replace(map[string][]string{})
	ctx.Query().Replace(map[string][]string{})
	ctx.ResponseHeaders().Replace(map[string][]string{}) // long since written
	ctx.Request().Header = http.Header{}
}

// watchQueue counts the packets waiting for the transport and drops a
// client that lets too many pile up.
func (a *API) watchQueue(s *socket.Socket, user *socketUser) {
	conn := s.Conn()
	_ = conn.On("packetCreate", func(...any) {
		if user.queued.Add(1) == int64(a.MaxQueuedPackets) {
			a.Logger.Warn("dropping a socket that stopped reading", "socket", string(s.Id()),
				"user_id", user.UserID, "queued_packets", a.MaxQueuedPackets)
			go s.Disconnect(true)
		}
	})
	_ = conn.On("flush", func(args ...any) {
		if len(args) > 0 {
			if flushed, ok := args[0].([]*packet.Packet); ok {
				user.queued.Add(-int64(len(flushed)))
			}
		}
	})
}

// sessionLookupTimeout bounds a socket's session lookup, which has no
// request to take a deadline from: a hung session store (Redis, the
// database) fails the handshake or the event instead of holding it.
var sessionLookupTimeout = 5 * time.Second

func (a *API) lookupSession(id string) (session.Session, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sessionLookupTimeout)
	defer cancel()
	return a.Sessions.Lookup(ctx, id)
}

// recheckSession looks the socket's session up again, so a logout on any
// instance ends the socket at its next event, as the old service did.
func (a *API) recheckSession(s *socket.Socket, user *socketUser) bool {
	sess, ok, err := a.lookupSession(user.SessionID)
	if err != nil {
		a.Logger.Error("socket session lookup failed", "error", err)
		emitError(s, msgUnavailable)
		return false
	}
	if ok && sess.UserID == user.UserID {
		return true
	}
	emitError(s, msgAuthRequired)
	s.Disconnect(true)
	return false
}

// errorEvent is the payload of the error event.
type errorEvent struct {
	Message string `json:"message"`
}

func emitError(s *socket.Socket, message string) {
	_ = emit(s, evError, errorEvent{Message: message})
}

// decimal formats an id as the AI backend and logs want it.
func decimal(id int64) string { return strconv.FormatInt(id, 10) }

// Flushed reports whether everything emitted to s has been written out, so
// closing it now loses nothing.
func Flushed(s *socket.Socket) bool {
	user, ok := s.Data().(*socketUser)
	if ok && user.queued.Load() > 0 {
		return false
	}
	transport := s.Conn().Transport()
	// A polling transport is writable only while a poll waits; its packets
	// are out once counted as flushed above.
	return transport.Name() != "websocket" || transport.Writable()
}
