package handlers

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/logging"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

func TestRequestIDReachesResponseAndLog(t *testing.T) {
	var logs bytes.Buffer
	logger := logging.New("json", slog.LevelInfo, &logs)
	e := NewHTTPHandler(&API{Logger: logger, Metrics: metrics.New(), Limits: &ratelimit.Limits{}}, []string{"http://localhost:8000"})

	req := httptest.NewRequest("GET", "/health", nil)
	req.Header.Set("X-Request-ID", "req-from-proxy-42")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("X-Request-ID") != "req-from-proxy-42" {
		t.Fatalf("status %d, X-Request-ID %q", rec.Code, rec.Header().Get("X-Request-ID"))
	}
	if !strings.Contains(logs.String(), `"request_id":"req-from-proxy-42"`) || !strings.Contains(logs.String(), `"latency_ms":`) {
		t.Fatalf("log line lacks the request id: %s", logs.String())
	}

	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if id := rec.Header().Get("X-Request-ID"); len(id) < 16 || !strings.Contains(logs.String(), id) {
		t.Fatalf("generated request id %q not logged", id)
	}
}
