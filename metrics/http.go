package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// unmatchedRoute labels requests no route matched, so random paths cannot
// multiply the series.
const unmatchedRoute = "unmatched"

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) httpMetrics {
	labels := []string{"route", "method", "status"}
	m := httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "http_requests_total",
			Help:      "REST requests handled, by route template, method and status.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "http_request_duration_seconds",
			Help:      "Time to handle a REST request, by route template, method and status.",
			Buckets:   prometheus.DefBuckets,
		}, labels),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// EchoMiddleware records each request's count and duration by route
// template (c.Path(), such as "/api/chat/:id/messages"), method and status.
// Use it first, outside the recover middleware, so panics are counted too.
// A handler's error is passed to Echo's error handler here, as Echo's
// request logger does, so the status recorded is the one the client gets.
func (m *Metrics) EchoMiddleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			labels := []string{route(c), method(c.Request().Method), strconv.Itoa(c.Response().Status)}
			m.http.requests.WithLabelValues(labels...).Inc()
			m.http.duration.WithLabelValues(labels...).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// route is the request's route template. Echo leaves c.Path() empty when no
// route matched; a 405 keeps the template of the path that did match.
func route(c echo.Context) string {
	if c.Path() == "" {
		return unmatchedRoute
	}
	return c.Path()
}

// method keeps the label bounded: clients may send any method name.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}
