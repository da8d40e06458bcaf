// Package handlers holds the REST handlers and, with them, the Socket.IO
// event handlers of amanda-backend. Routes are listed in routes.go.
package handlers

import (
	"log/slog"
	"time"

	"github.com/amanda-platform/amanda-backend/auth"
	"github.com/amanda-platform/amanda-backend/branding"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/session"
	"github.com/amanda-platform/amanda-backend/store"
)

// API is every dependency of the REST and Socket.IO handlers.
type API struct {
	Store    store.Store
	Sessions *session.Manager
	Hasher   *auth.Hasher
	Branding *branding.Provider
	Logger   *slog.Logger
	Version  string
	AI       ReplyStreamer
	Replies  *Replies
	Metrics  *metrics.Metrics
	Limits   Limits
	// Speech is nil when voice is not configured.
	Speech Speech
	// MaxQueuedPackets is how many packets may wait for one socket's
	// transport before the socket is dropped: Emit never blocks, so a
	// client that stops reading would otherwise grow memory without bound.
	MaxQueuedPackets int
	// MaxSocketsPerUser caps one user's open sockets on this instance; 0 is no cap.
	MaxSocketsPerUser int
	// OnLogout, when set, runs after a session ends, e.g. to disconnect
	// that session's open sockets.
	OnLogout func(sessionID string)

	sockets socketCounter
}

// Time is a UTC timestamp in ISO 8601 with an explicit offset; the old
// service printed naive times that browsers misread as local time.
type Time time.Time

// MarshalJSON writes e.g. "2025-11-23T10:30:00.123456Z".
func (t Time) MarshalJSON() ([]byte, error) {
	return time.Time(t).UTC().AppendFormat([]byte{'"'}, `2006-01-02T15:04:05.999999Z"`), nil
}
