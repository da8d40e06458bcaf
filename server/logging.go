package server

import (
	"fmt"
	"io"
	"log/slog"
)

// NewLogger builds the process logger from LOG_FORMAT and LOG_LEVEL.
func NewLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("config: LOG_LEVEL must be debug, info, warn or error, got %q", cfg.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
