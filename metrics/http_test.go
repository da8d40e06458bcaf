package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// newEcho is an Echo app with the middleware first, as the service uses it.
func newEcho(m *Metrics) *echo.Echo {
	e := echo.New()
	e.Use(m.EchoMiddleware())
	e.Use(middleware.Recover())
	e.GET("/api/chat/:id/messages", func(c echo.Context) error {
		if c.Param("id") == "404" {
			return echo.NewHTTPError(http.StatusNotFound, "Chat not found")
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true})
	})
	e.POST("/api/chat/create", func(c echo.Context) error {
		return c.NoContent(http.StatusCreated)
	})
	e.GET("/fail", func(c echo.Context) error { return errors.New("boom") })
	e.GET("/panic", func(c echo.Context) error { panic("boom") })
	return e
}

func serve(e *echo.Echo, method, path string) int {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code
}

func TestEchoMiddleware(t *testing.T) {
	m := New()
	e := newEcho(m)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/chat/1/messages", 200},
		{"GET", "/api/chat/2/messages", 200},
		{"GET", "/api/chat/404/messages", 404},
		{"POST", "/api/chat/create", 201},
		{"GET", "/fail", 500},
		{"GET", "/panic", 500},
		{"GET", "/api/chat/create", 405},
		{"GET", "/no/such/path", 404},
		{"GET", "/api/chat/1/nope", 404},
		{"POST", "/api/", 404},
		{"BREW", "/coffee", 404},
	} {
		if got := serve(e, tc.method, tc.path); got != tc.want {
			t.Fatalf("%s %s: status %d; want %d", tc.method, tc.path, got, tc.want)
		}
	}

	body := scrape(t, m)
	for series, want := range map[string]float64{
		`amanda_http_requests_total{method="GET",route="/api/chat/:id/messages",status="200"}`:                 2,
		`amanda_http_requests_total{method="GET",route="/api/chat/:id/messages",status="404"}`:                 1,
		`amanda_http_requests_total{method="POST",route="/api/chat/create",status="201"}`:                      1,
		`amanda_http_requests_total{method="GET",route="/fail",status="500"}`:                                  1,
		`amanda_http_requests_total{method="GET",route="/panic",status="500"}`:                                 1,
		`amanda_http_requests_total{method="GET",route="/api/chat/create",status="405"}`:                       1,
		`amanda_http_requests_total{method="GET",route="unmatched",status="404"}`:                              2,
		`amanda_http_requests_total{method="POST",route="unmatched",status="404"}`:                             1,
		`amanda_http_requests_total{method="other",route="unmatched",status="404"}`:                            1,
		`amanda_http_request_duration_seconds_count{method="GET",route="/api/chat/:id/messages",status="200"}`: 2,
	} {
		wantValue(t, body, series, want)
	}
	for _, raw := range []string{"/api/chat/1/messages", "/no/such/path", "/api/chat/1/nope", `route="/api/"`, "BREW"} {
		if strings.Contains(body, raw) {
			t.Errorf("raw request detail %q became a label value", raw)
		}
	}
}
