// Package handlers is the REST API: each handler parses, calls the store
// or a service, and answers. routes.go lists every route; errors are
// apperr's, mapped to statuses and texts in one place (errors.go).
package handlers

import (
	"context"
	"log/slog"

	"github.com/amanda-platform/amanda-backend/auth"
	"github.com/amanda-platform/amanda-backend/branding"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
	"github.com/amanda-platform/amanda-backend/session"
	"github.com/amanda-platform/amanda-backend/store"
)

// API is every dependency of the REST handlers.
type API struct {
	Store    store.Store
	Sessions *session.Manager
	Hasher   *auth.Hasher
	Branding *branding.Provider
	Limits   *ratelimit.Limits
	Metrics  *metrics.Metrics
	Logger   *slog.Logger
	Version  string
	// OnLogout, when set, runs after a session ends, e.g. to disconnect
	// that session's open sockets.
	OnLogout func(sessionID string)
	// OnPasswordChange, when set, runs after a password change ended every
	// session of the user and gave the caller newSessionID in place of
	// oldSessionID, e.g. to disconnect the user's other sockets and move
	// the caller's to the new session.
	OnPasswordChange func(userID int64, oldSessionID, newSessionID string)
	// OnAccountDeleted, when set, runs after a user was deleted, e.g. to
	// disconnect their sockets.
	OnAccountDeleted func(userID int64)
	// StopTurn, when set, stops the reply streaming in a chat, on whichever
	// instance runs it; deleting a chat calls it first.
	StopTurn func(chatID int64)
	// Ready names what keeps the instance from serving, each part with its
	// state ({"database": "unreachable"}); none when it is ready.
	Ready func(ctx context.Context) map[string]string
}
