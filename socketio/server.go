// Package socketio is the service's Socket.IO side, in one place: the
// server and its options, connect authentication, the event table, the
// frame encoder, flushing, disconnecting a session's sockets and closing.
// A socket event becomes a chat turn (package chat) whose results come
// back through a Sink that emits them.
package socketio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
	"github.com/amanda-platform/amanda-backend/session"
)

// Largest Engine.IO message accepted. With voice on, a 25 MB recording
// (the speech API's limit) arrives as about 33.4 MB of base64 in JSON and
// must reach the handler, which answers a clear error above 25 MB; a
// message over the limit would silently kill the connection instead.
const (
	maxSocketPayload      = 1 << 20
	maxVoiceSocketPayload = 36 << 20
)

// Config is everything the Socket.IO side needs.
type Config struct {
	Sessions *session.Manager
	Chat     *chat.Service
	// Speech is nil when voice is off.
	Speech  Speech
	Limits  *ratelimit.Limits
	Metrics *metrics.Metrics
	Logger  *slog.Logger

	// CORSOrigins may open sockets; they are also the only Origins whose
	// handshakes are admitted.
	CORSOrigins []string
	// MaxQueuedPackets is how many packets may wait for one socket's
	// transport before the socket is dropped: emits never block, so a
	// client that stops reading would otherwise grow memory without bound.
	MaxQueuedPackets int
	// MaxSocketsPerUser caps one user's open sockets on this instance; 0 is no cap.
	MaxSocketsPerUser int
	// ConnectTimeout closes an Engine.IO session whose Socket.IO connect
	// has not been accepted by then.
	ConnectTimeout time.Duration
	// MaxPendingSessions caps the sessions not signed in yet; beyond it a
	// new handshake is refused at once.
	MaxPendingSessions int
	// AudioBudget is how many bytes of voice audio the process may hold
	// for turns at once.
	AudioBudget int64
	// MessageQueue is the Redis the instances of a fleet share; nil when
	// this instance is alone.
	MessageQueue redis.UniversalClient
}

// Server is the Socket.IO server with the service's events.
type Server struct {
	Config
	io      *socket.Server
	handler http.Handler
	sockets socketCounter
	audio   *audioBudget

	// draining refuses new sessions once a shutdown has begun.
	draining atomic.Bool
	// sessions holds each live Engine.IO session's admission, by sid.
	sessions sync.Map
	// pending counts the sessions not signed in yet.
	pending atomic.Int64
	// watchers follow the chats that sockets here watch.
	watchers watchers
}

// New builds the Socket.IO server: same CORS allow-list and cookie session
// as REST, WebSocket and polling both.
func New(cfg Config) *Server {
	s := &Server{Config: cfg, audio: newAudioBudget(cfg.AudioBudget, cfg.Metrics),
		watchers: watchers{chats: map[int64]*follower{}, bySocket: map[socket.SocketId]map[int64]bool{}}}
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetPingInterval(25 * time.Second)
	opts.SetPingTimeout(20 * time.Second)
	if cfg.Speech != nil {
		opts.SetMaxHttpBufferSize(maxVoiceSocketPayload)
	} else {
		opts.SetMaxHttpBufferSize(maxSocketPayload)
	}
	opts.SetTransports(types.NewSet(engine.Polling, engine.WebSocket))
	opts.SetCors(&types.Cors{Origin: slices.Clone(cfg.CORSOrigins), Credentials: true})
	// Browsers send cookies on cross-site WebSocket handshakes, so an
	// unchecked Origin would let any page act as the logged-in user.
	opts.SetAllowRequest(func(ctx *types.HttpContext) error {
		origin := ctx.Request().Header.Get("Origin")
		if origin == "" || slices.Contains(cfg.CORSOrigins, origin) {
			return nil
		}
		return errors.New("origin not allowed")
	})
	if cfg.MessageQueue != nil {
		s.useRedisAdapter(opts, cfg.MessageQueue)
	}

	s.io = socket.NewServer(nil, opts)
	s.io.Use(s.authenticate)
	_ = s.io.On("connection", func(args ...any) {
		s.onConnection(args[0].(*socket.Socket))
	})
	s.handler = s.guard(s.io.ServeHandler(nil))
	_ = s.io.Engine().On("connection", s.onEngineSession)
	_ = s.io.Sockets().On(evStopTurn, s.onStopTurn)
	_ = s.io.Sockets().On(evMoveSession, s.onMoveSession)
	return s
}

// Handler serves /socket.io/.
func (s *Server) Handler() http.Handler { return s.handler }

// sessionRoom is the room of every socket of one session, so a logout can
// disconnect them.
func sessionRoom(sessionID string) socket.Room { return socket.Room("session:" + sessionID) }

// DisconnectSession closes the session's sockets on this instance.
func (s *Server) DisconnectSession(sessionID string) {
	s.io.In(sessionRoom(sessionID)).DisconnectSockets(true)
}

// Drain refuses new Socket.IO sessions from now on (503), so that their
// clients go to another instance; the open ones go on until Close.
func (s *Server) Drain() { s.draining.Store(true) }

// Close waits, within ctx, for every socket to write out what was emitted
// to it (closing a transport drops what it has not written), then closes
// them all.
func (s *Server) Close(ctx context.Context) {
	s.waitForFlush(ctx)
	closed := make(chan struct{})
	s.io.Close(func(error) { close(closed) })
	select {
	case <-closed:
	case <-ctx.Done():
	}
}
