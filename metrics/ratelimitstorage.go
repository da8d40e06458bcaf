package metrics

import "github.com/prometheus/client_golang/prometheus"

// rateLimitStorageMetrics watch the Redis that shared rate limits use.
type rateLimitStorageMetrics struct {
	errors   prometheus.Counter
	degraded prometheus.Gauge
}

func newRateLimitStorageMetrics(reg prometheus.Registerer) rateLimitStorageMetrics {
	m := rateLimitStorageMetrics{
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "ratelimit_storage_errors_total",
			Help:      "Rate limit calls to Redis (RATELIMIT_STORAGE_URI) that failed or timed out; while it fails, one call per probe interval tries it.",
		}),
		degraded: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "ratelimit_storage_degraded",
			Help:      "1 while Redis fails and each instance limits on its own, in memory; else 0.",
		}),
	}
	reg.MustRegister(m.errors, m.degraded)
	return m
}

// RateLimitStorageError counts a failed call to the rate limits' Redis.
func (m *Metrics) RateLimitStorageError() { m.storage.errors.Inc() }

// RateLimitDegraded records whether the rate limits answer from memory
// because their Redis fails.
func (m *Metrics) RateLimitDegraded(degraded bool) {
	v := 0.0
	if degraded {
		v = 1
	}
	m.storage.degraded.Set(v)
}
