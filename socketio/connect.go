package socketio

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/ratelimit"
	"github.com/amanda-platform/amanda-backend/session"
)

// socketUser is what a socket carries from its handshake.
type socketUser struct {
	UserID int64
	// session is the id of the session the socket lives by; a password
	// change moves it to the caller's fresh session (moveSession) while
	// events read it.
	session atomic.Pointer[string]
	queued  atomic.Int64 // packets created and not yet flushed to the transport
	// ctx ends when the socket disconnects, cancelling work done only for
	// this client (speech); chat turns have a context of their own.
	ctx    context.Context
	cancel context.CancelFunc
}

// authenticate admits a Socket.IO connection only with a live session
// cookie; otherwise the client's connect_error gets the contract's message.
func (s *Server) authenticate(sock *socket.Socket, next func(*socket.ExtendedError)) {
	reject := func(kind apperr.Kind) { next(socket.NewExtendedError(apperr.Socket(apperr.New(kind)), nil)) }
	id, ok := s.Sessions.SessionIDFromCookieHeader(sock.Request().Request())
	if !ok {
		reject(apperr.KindConnectRejected)
		return
	}
	sess, ok, err := s.lookupSession(context.Background(), id)
	if err != nil {
		s.Logger.Error("socket session lookup failed", "error", err)
	}
	if !ok {
		reject(apperr.KindConnectRejected)
		return
	}
	// A check across the fleet that gives the client a clear connect_error;
	// onConnection enforces the cap on this instance exactly. Two sockets
	// connecting at once on two instances may both pass it.
	if s.MaxSocketsPerUser > 0 && s.userSockets(sess.UserID) >= s.MaxSocketsPerUser {
		reject(apperr.KindTooManySockets)
		return
	}
	user := &socketUser{UserID: sess.UserID}
	user.setSessionID(sess.ID)
	sock.SetData(user)
	s.admit(sock)
	next(nil)
}

// onConnection registers the events of an admitted socket.
func (s *Server) onConnection(sock *socket.Socket) {
	user := sock.Data().(*socketUser)
	user.ctx, user.cancel = context.WithCancel(context.Background())
	s.Metrics.SocketConnected()
	_ = sock.On("disconnect", func(...any) {
		user.cancel()
		s.unwatchAll(sock)
		s.sockets.add(user.UserID, -1)
		s.Metrics.SocketDisconnected()
	})
	if n := s.sockets.add(user.UserID, 1); s.MaxSocketsPerUser > 0 && n > s.MaxSocketsPerUser {
		emitError(sock, apperr.New(apperr.KindTooManySockets))
		sock.Disconnect(true)
		return
	}
	// Released before the socket joins the rooms other instances look
	// into: the Redis adapter encodes a fetched socket's handshake.
	releaseHandshake(sock)
	sock.Join(sessionRoom(user.sessionID()))
	sock.Join(userRoom(user.UserID))
	s.watchQueue(sock, user)
	for _, ev := range s.events() {
		_ = sock.On(ev.name, func(args ...any) {
			if s.recheckSession(sock, user) && (!ev.limited || s.allowMessage(sock, user)) {
				ev.handle(sock, user, args)
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
func releaseHandshake(sock *socket.Socket) {
	if hs := sock.Handshake(); hs != nil {
		hs.Headers, hs.Query = map[string]any{}, map[string]any{}
	}
	ctx := sock.Request()
	ctx.Headers().Replace(map[string][]string{})
	ctx.Query().Replace(map[string][]string{})
	ctx.ResponseHeaders().Replace(map[string][]string{}) // long since written
	ctx.Request().Header = http.Header{}
}

// lookupTimeout bounds a socket's session lookup, which has no request to
// take a deadline from: a hung session store (Redis, the database) fails
// the handshake or the event instead of holding it.
var lookupTimeout = 5 * time.Second

func (s *Server) lookupSession(ctx context.Context, id string) (session.Session, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	return s.Sessions.Lookup(ctx, id)
}

func (u *socketUser) sessionID() string { return *u.session.Load() }

func (u *socketUser) setSessionID(id string) { u.session.Store(&id) }

// recheckSession looks the socket's session up again, so a logout on any
// instance ends the socket at its next event, as the old service did. A
// session that ended while the socket was being moved to its successor
// (moveSession) is looked up again under the new id.
func (s *Server) recheckSession(sock *socket.Socket, user *socketUser) bool {
	for {
		id := user.sessionID()
		sess, ok, err := s.lookupSession(user.ctx, id)
		if err != nil {
			s.Logger.Error("socket session lookup failed", "error", err)
			emitError(sock, apperr.Internal(err))
			return false
		}
		if ok && sess.UserID == user.UserID {
			return true
		}
		if user.sessionID() == id {
			break
		}
	}
	emitError(sock, apperr.New(apperr.KindAuthRequired))
	sock.Disconnect(true)
	return false
}

// allowMessage applies the per-user message limit to a socket event.
func (s *Server) allowMessage(sock *socket.Socket, user *socketUser) bool {
	err := s.Limits.Allow(ratelimit.ScopeMessages, s.Limits.MessagesByUser, strconv.FormatInt(user.UserID, 10))
	if err != nil {
		emitError(sock, err)
		return false
	}
	return true
}
