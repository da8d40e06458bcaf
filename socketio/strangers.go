package socketio

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// strangerMaxBytes bounds what a socket may send before its Socket.IO
// connect is accepted: each polling request's body, and all it sends over
// a WebSocket. The handshake and a connect packet fit; a recording does
// not, so the large voice limit applies to signed-in sockets only.
const strangerMaxBytes = 8 << 10

// admission is one Engine.IO session's way to signing in: new, pending
// (counted against SOCKET_MAX_PENDING), then admitted or closed. A state
// moves only forward, so each session is counted and uncounted once,
// whichever of the engine's events and the connect comes first.
type admission struct{ state atomic.Int32 }

const (
	admissionNew int32 = iota
	admissionPending
	admissionAdmitted
	admissionClosed
)

func (a *admission) admitted() bool { return a.state.Load() == admissionAdmitted }

type admissionKey struct{}

// guard is the Socket.IO endpoint as strangers meet it: a new session is
// refused quickly over the per-IP handshake limit or the cap on pending
// sessions, and until a session has signed in its requests and frames are
// small. Nothing here reads a body.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		adm, fresh := s.admissionOf(r)
		if fresh {
			if s.draining.Load() {
				refuse(w, apperr.New(apperr.KindShuttingDown))
				return
			}
			if err := s.Limits.Allow(ratelimit.ScopeHandshake, s.Limits.HandshakesByIP, s.Limits.ClientIPOf(r)); err != nil {
				refuse(w, err)
				return
			}
			if s.pending.Load() >= int64(s.MaxPendingSessions) {
				s.Metrics.Refused(metrics.RefusedTooManyPending)
				refuse(w, &apperr.Error{Kind: apperr.KindServerBusy, RetryAfter: time.Second})
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), admissionKey{}, adm))
		}
		// A stranger's body must say its length, and be small: an unknown
		// length is refused like an excessive one, before anything is read.
		if !adm.admitted() && r.Body != nil && r.Body != http.NoBody &&
			(r.ContentLength < 0 || r.ContentLength > strangerMaxBytes) {
			s.Metrics.Refused(metrics.RefusedOversized)
			refuse(w, apperr.New(apperr.KindBodyTooLarge))
			return
		}
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			w = &releasingWriter{ResponseWriter: w, admission: adm}
		}
		next.ServeHTTP(w, r)
	})
}

// admissionOf is the request's session's admission; fresh when the request
// opens a new session (it names no sid). An unknown sid gets one that is
// never admitted: the engine refuses it, and until then it is a stranger.
func (s *Server) admissionOf(r *http.Request) (adm *admission, fresh bool) {
	sid := r.URL.Query().Get("sid")
	if sid == "" {
		return &admission{}, true
	}
	if v, ok := s.sessions.Load(sid); ok {
		return v.(*admission), false
	}
	return &admission{}, false
}

// onEngineSession counts a new Engine.IO session as pending until it signs
// in, and closes it if it has not within the connect timeout.
func (s *Server) onEngineSession(args ...any) {
	conn, ok := args[0].(engine.Socket)
	if !ok {
		return
	}
	adm, ok := conn.Request().Request().Context().Value(admissionKey{}).(*admission)
	if !ok {
		adm = &admission{}
	}
	sid := conn.Id()
	s.sessions.Store(sid, adm)
	if adm.state.CompareAndSwap(admissionNew, admissionPending) {
		s.countPending(1)
	}
	timer := time.AfterFunc(s.ConnectTimeout, func() {
		if !adm.admitted() {
			s.Metrics.Refused(metrics.RefusedConnectTimeout)
			conn.Close(true)
		}
	})
	_ = conn.Once("close", func(...any) {
		timer.Stop()
		s.sessions.Delete(sid)
		if adm.state.Swap(admissionClosed) == admissionPending {
			s.countPending(-1)
		}
	})
}

func (s *Server) countPending(delta int) {
	s.pending.Add(int64(delta))
	s.Metrics.PendingSessions(delta)
}

// admit lifts a signed-in socket's session out of the strangers' limits.
// The admission rides on the session's handshake request, so a connect
// that races the engine's own bookkeeping still finds it.
func (s *Server) admit(sock *socket.Socket) {
	adm, ok := sock.Request().Request().Context().Value(admissionKey{}).(*admission)
	if !ok {
		return
	}
	if adm.state.Swap(admissionAdmitted) == admissionPending {
		s.countPending(-1)
	}
}

// refuse answers a request the guard turns away, with the contract's
// error shape and, for a limit, Retry-After.
func refuse(w http.ResponseWriter, err error) {
	status, message := apperr.HTTP(err)
	if retry := apperr.RetryAfterSeconds(err); retry != "" {
		w.Header().Set("Retry-After", retry)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "message": message})
}
