// Package server wires amanda-backend together: configuration, storage,
// sessions, the chat turn, REST and Socket.IO on one port, and their
// lifecycle (start, graceful shutdown, close).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/aiclient"
	"github.com/amanda-platform/amanda-backend/auth"
	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/handlers"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/session"
	"github.com/amanda-platform/amanda-backend/socketio"
	"github.com/amanda-platform/amanda-backend/store"
)

// sessionPurgeInterval is how often expired server-side sessions are deleted.
const sessionPurgeInterval = 10 * time.Minute

// App is the running service with everything it opened.
type App struct {
	cfg      Config
	logger   *slog.Logger
	store    store.Store
	sessions *session.Manager
	chat     *chat.Service
	sockets  *socketio.Server
	handler  http.Handler
	closers  []func() error
	cancel   context.CancelFunc

	// redis are the Redis clients the service cannot serve without, by
	// what they are for, for /ready: the sessions'.
	redis map[string]redis.UniversalClient
	// draining is set when a shutdown begins.
	draining atomic.Bool
}

// New opens storage and sessions and builds the HTTP handler.
func New(ctx context.Context, cfg Config, logger *slog.Logger, version string) (_ *App, err error) {
	app := &App{cfg: cfg, logger: logger, redis: map[string]redis.UniversalClient{}}
	// On failure, release whatever was opened before it.
	defer func() {
		if err != nil {
			app.Close()
		}
	}()

	db, err := store.OpenEventually(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return nil, err
	}
	app.store = db
	app.closers = append(app.closers, db.Close)

	backend, sessionRedis, err := newSessionBackend(cfg, db)
	if err != nil {
		return nil, err
	}
	if sessionRedis != nil {
		app.closers = append(app.closers, sessionRedis.Close)
		app.redis["sessions"] = sessionRedis
	}
	sessions := newSessionManager(cfg, backend)
	app.sessions = sessions

	brand := newBranding(cfg, logger)

	// One connection for the whole process; it connects lazily, so the
	// service starts while the AI backend is down and recovers with it.
	ai, err := aiclient.New(aiclient.Options{
		Address:           cfg.AIAddr(),
		TLS:               cfg.AITLS,
		CAFile:            cfg.AICAFile,
		ReplyTimeout:      cfg.AIReplyTimeout.Duration,
		FirstTokenTimeout: cfg.AIFirstTokenTimeout.Duration,
	})
	if err != nil {
		return nil, err
	}
	app.closers = append(app.closers, ai.Close)

	voice, err := newSpeech(cfg, logger)
	if err != nil {
		return nil, err
	}
	meters := metrics.New()
	meters.RegisterPool("main", func() metrics.PoolStats {
		st := db.Stats()
		return metrics.PoolStats{InUse: st.InUse, Idle: st.Idle, MaxOpen: st.MaxOpen}
	})
	limits := newLimits(cfg, meters, logger)
	app.closers = append(app.closers, limits.Close)

	shared := newFleet(cfg, logger)
	app.closers = append(app.closers, shared.close...)
	app.chat = chat.New(db, ai, shared.locker, shared.turns, meters, logger)
	app.sockets = socketio.New(socketio.Config{
		Sessions:           sessions,
		Chat:               app.chat,
		Speech:             voice,
		Limits:             limits,
		Metrics:            meters,
		Logger:             logger,
		CORSOrigins:        cfg.CORSOrigins,
		MaxQueuedPackets:   cfg.SocketMaxQueuedPackets,
		MaxSocketsPerUser:  cfg.MaxSocketsPerUser,
		ConnectTimeout:     cfg.SocketConnectTimeout.Duration,
		MaxPendingSessions: cfg.SocketMaxPending,
		AudioBudget:        int64(cfg.VoiceAudioBudgetMB) << 20,
		MessageQueue:       shared.queue,
	})
	api := &handlers.API{
		Store:    db,
		Sessions: sessions,
		Hasher:   auth.NewHasher(0),
		Branding: brand,
		Limits:   limits,
		Metrics:  meters,
		Logger:   logger,
		Version:  version,
		OnLogout: app.sockets.DisconnectSession,
		StopTurn: app.sockets.StopTurn,
		Ready:    app.ready,

		OnPasswordChange: app.sockets.KeepOnlySession,
		OnAccountDeleted: app.sockets.DisconnectUser,
	}
	// Socket.IO is routed before Echo so that Echo's body limit and
	// middleware never touch its long-lived requests.
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", app.sockets.Handler())
	if cfg.MetricsEnabled {
		mux.Handle("GET /metrics", meters.Handler())
	}
	mux.Handle("/", handlers.NewHTTPHandler(api, cfg.CORSOrigins))
	app.handler = bodyDeadline(mux, cfg.RequestBodyTimeout.Duration)

	if cfg.DebugPprofAddr != "" {
		stopDebug, err := startDebugServer(ctx, cfg.DebugPprofAddr, logger)
		if err != nil {
			return nil, err
		}
		app.closers = append(app.closers, stopDebug)
	}

	// Background work lives until Close.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	app.cancel = cancel
	go sessions.RunPurger(bg, sessionPurgeInterval, logger)
	if shared.locker != nil {
		go sweepOrphans(bg, app.chat)
	}
	return app, nil
}

// ready is /ready's check: a shutdown under way, the database, and the
// session Redis, each named when it fails. The fleet's Redis
// (SOCKETIO_MESSAGE_QUEUE) and the limits' are left out on purpose: the
// instance serves without them, degraded, and every instance shares them,
// so counting them would take the whole fleet out of rotation at once.
func (a *App) ready(ctx context.Context) map[string]string {
	problems := map[string]string{}
	if a.draining.Load() {
		problems["shutdown"] = "in progress"
	}
	if err := a.store.Ping(ctx); err != nil {
		problems["database"] = "unreachable"
	}
	for part, client := range a.redis {
		if err := client.Ping(ctx).Err(); err != nil {
			problems[part] = "unreachable"
		}
	}
	return problems
}

// Handler is the whole service as an http.Handler.
func (a *App) Handler() http.Handler { return a.handler }

// Store is the service's database, for tests and operators' tools.
func (a *App) Store() store.Store { return a.store }

// Sessions is the service's session manager, for tests and operators' tools.
func (a *App) Sessions() *session.Manager { return a.sessions }

// Close releases everything New opened, last opened first.
func (a *App) Close() error {
	if a.cancel != nil {
		a.cancel()
	}
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// Serve answers on ln until ctx is done, then shuts down gracefully within
// SHUTDOWN_TIMEOUT.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: a.cfg.RequestHeaderTimeout.Duration,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.Duration)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout.Duration)
	defer cancel()
	// Drain: /ready answers 503 at once, so the balancer sends nothing new,
	// and new Socket.IO sessions are refused, while streaming replies finish
	// (or store what they got) and requests still arriving are answered.
	// Then the sockets are closed (http.Server.Shutdown alone would leave
	// hijacked WebSockets open) and their clients reconnect elsewhere.
	a.draining.Store(true)
	a.sockets.Drain()
	a.chat.Shutdown(shutdownCtx)
	a.sockets.Close(shutdownCtx)
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// redactURL hides a password in a connection URL before it is logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Run starts the service on FLASK_HOST:FLASK_PORT and serves until ctx is done.
func Run(ctx context.Context, cfg Config, logger *slog.Logger, version string) error {
	app, err := New(ctx, cfg, logger, version)
	if err != nil {
		return err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("server: unable to listen on %s (FLASK_HOST/FLASK_PORT): %w", cfg.Addr(), err)
	}
	logger.Info("amanda-backend listening", "addr", ln.Addr().String(), "version", version,
		"env", cfg.FlaskEnv, "database", redactURL(cfg.DatabaseURL), "sessions", cfg.SessionType)
	return app.Serve(ctx, ln)
}
