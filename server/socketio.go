package server

import (
	"errors"
	"slices"
	"time"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/amanda-platform/amanda-backend/handlers"
)

// Largest Engine.IO message accepted. With voice on, a 25 MB recording
// (the speech API's limit) arrives as about 33.4 MB of base64 in JSON and
// must reach the handler, which answers a clear error above 25 MB; a
// message over the limit would silently kill the connection instead.
const (
	maxSocketPayload      = 1 << 20
	maxVoiceSocketPayload = 36 << 20
)

// newSocketServer builds the Socket.IO server: same CORS allow-list and
// cookie session as REST, WebSocket and polling both.
func newSocketServer(cfg Config, api *handlers.API) *socket.Server {
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetPingInterval(25 * time.Second)
	opts.SetPingTimeout(20 * time.Second)
	if cfg.Voice() {
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

	io := socket.NewServer(nil, opts)
	io.Use(api.AuthenticateSocket)
	_ = io.On("connection", func(args ...any) {
		api.OnSocketConnection(args[0].(*socket.Socket))
	})
	return io
}
