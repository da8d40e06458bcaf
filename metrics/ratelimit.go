package metrics

import "github.com/prometheus/client_golang/prometheus"

// rateLimitScopes are the values of amanda_ratelimit_rejections_total's
// scope label; any other scope is counted as "other".
var rateLimitScopes = []string{"login", "signup", "messages", "handshake", "other"}

type rateLimitMetrics struct {
	rejections map[string]prometheus.Counter // by scope, resolved at construction
}

func newRateLimitMetrics(reg prometheus.Registerer) rateLimitMetrics {
	rejections := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "ratelimit_rejections_total",
		Help:      "Requests refused by a rate limit, by limit.",
	}, []string{"scope"})
	reg.MustRegister(rejections)
	m := rateLimitMetrics{rejections: make(map[string]prometheus.Counter, len(rateLimitScopes))}
	for _, scope := range rateLimitScopes {
		m.rejections[scope] = rejections.WithLabelValues(scope)
	}
	return m
}

// RateLimited counts a request refused by the limit named scope: "login",
// "signup", "messages", "handshake", or "other" (also for unknown scopes).
func (m *Metrics) RateLimited(scope string) {
	c, ok := m.limits.rejections[scope]
	if !ok {
		c = m.limits.rejections["other"]
	}
	c.Inc()
}
