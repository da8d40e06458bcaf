package server

import (
	"io"
	"log/slog"

	"github.com/amanda-platform/amanda-backend/logging"
)

// NewLogger builds the process logger from LOG_FORMAT and LOG_LEVEL.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	return logging.New(cfg.LogFormat, cfg.LogLevel.Level, w)
}
