// Package metrics exposes the service's Prometheus metrics on a registry of
// its own, so nothing a library registers globally leaks into GET /metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric the service defines.
const namespace = "amanda"

// Metrics records the service's metrics. Its methods are safe for concurrent
// use.
type Metrics struct {
	registry *prometheus.Registry
	http     httpMetrics
	socketio prometheus.Gauge
	ai       aiMetrics
	limits   rateLimitMetrics
	guards   guardMetrics
	storage  rateLimitStorageMetrics // of the rate limits
}

// New registers the service's metrics and the Go runtime and process
// collectors on a new registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return &Metrics{
		registry: reg,
		http:     newHTTPMetrics(reg),
		socketio: newSocketIOGauge(reg),
		ai:       newAIMetrics(reg),
		limits:   newRateLimitMetrics(reg),
		guards:   newGuardMetrics(reg),
		storage:  newRateLimitStorageMetrics(reg),
	}
}

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
