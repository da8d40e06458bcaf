package logging

import (
	"bytes"
	"context"
	"errors"
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

func TestOutageIsLoggedOnce(t *testing.T) {
	var out bytes.Buffer
	o := NewOutage(New("text", slog.LevelInfo, &out), "the queue")
	for range 100 {
		o.Failed(errors.New("connection refused"))
	}
	if n := strings.Count(out.String(), "the queue unreachable"); n != 1 {
		t.Fatalf("logged %d times: %s", n, out.String())
	}
	// After a quiet spell, a failure begins a new outage.
	o.last.Add(-int64(OutageQuiet))
	o.Failed(errors.New("again"))
	if n := strings.Count(out.String(), "the queue unreachable"); n != 2 {
		t.Fatalf("a new outage logged %d lines in all", n)
	}
}
