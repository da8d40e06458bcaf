package logging

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestRequestIDIsLoggedWithItsContext(t *testing.T) {
	var out bytes.Buffer
	logger := New("json", slog.LevelInfo, &out)
	logger.With("part", "x").InfoContext(WithRequestID(context.Background(), "req-7"), "hello")
	logger.Info("no request")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"request_id":"req-7"`) || strings.Contains(lines[1], "request_id") {
		t.Fatalf("log lines: %q", lines)
	}
	out.Reset()
	New("text", slog.LevelWarn, &out).Info("below the level")
	if out.Len() != 0 {
		t.Fatalf("logged below the level: %q", out.String())
	}
}
