package server

import (
	"io"
	"log/slog"

	"github.com/amanda-platform/amanda-backend/handlers"
)

// NewLogger builds the process logger from LOG_FORMAT and LOG_LEVEL.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel.Level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(handlers.LogHandler{Handler: h})
}
