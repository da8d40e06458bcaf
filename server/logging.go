package server

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/amanda-platform/amanda-backend/handlers"
)

// NewLogger builds the process logger from LOG_FORMAT and LOG_LEVEL.
func NewLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("config: LOG_LEVEL must be debug, info, warn or error, got %q", cfg.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(handlers.LogHandler{Handler: h}), nil
}
