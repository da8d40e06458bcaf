package logging

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRequestIDIsLoggedWithItsContext(t *testing.T) {
	var out bytes.Buffer
	logger, err := New("json", "info", &out)
	if err != nil {
		t.Fatal(err)
	}
	logger.With("part", "x").InfoContext(WithRequestID(context.Background(), "req-7"), "hello")
	logger.Info("no request")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"request_id":"req-7"`) || strings.Contains(lines[1], "request_id") {
		t.Fatalf("log lines: %q", lines)
	}
	if _, err := New("text", "loud", &out); err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Fatalf("bad level: %v", err)
	}
}
