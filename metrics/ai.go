package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// aiErrorKinds are the values of amanda_ai_errors_total's kind label; any
// other kind is counted as "other", so the label stays bounded.
var aiErrorKinds = []string{"unavailable", "timeout", "first_token_timeout", "stream", "other"}

type aiMetrics struct {
	inFlight   prometheus.Gauge
	tokens     prometheus.Counter
	errors     map[string]prometheus.Counter // by kind, resolved at construction
	firstToken prometheus.Histogram
}

func newAIMetrics(reg prometheus.Registerer) aiMetrics {
	errors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "ai_errors_total",
		Help:      "AI replies that failed, by kind of failure.",
	}, []string{"kind"})
	m := aiMetrics{
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "ai_replies_in_flight",
			Help:      "AI replies being streamed.",
		}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "ai_tokens_streamed_total",
			Help:      "Reply chunks streamed from the AI backend to clients.",
		}),
		errors: make(map[string]prometheus.Counter, len(aiErrorKinds)),
		firstToken: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "ai_first_token_seconds",
			Help:      "Time from asking the AI backend for a reply to its first chunk.",
			// Up to AI_FIRST_TOKEN_TIMEOUT's default, finest where replies usually start.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30},
		}),
	}
	for _, kind := range aiErrorKinds {
		m.errors[kind] = errors.WithLabelValues(kind)
	}
	reg.MustRegister(m.inFlight, m.tokens, errors, m.firstToken)
	return m
}

// ReplyStarted counts a reply in flight until done is called; done may be
// called more than once.
func (m *Metrics) ReplyStarted() (done func()) {
	m.ai.inFlight.Inc()
	return sync.OnceFunc(m.ai.inFlight.Dec)
}

// TokensStreamed counts n chunks sent to a client. It is called per chunk,
// so it only adds to a counter resolved in advance.
func (m *Metrics) TokensStreamed(n int) {
	if n > 0 {
		m.ai.tokens.Add(float64(n))
	}
}

// AIError counts a failed reply by kind: "unavailable", "timeout",
// "first_token_timeout", "stream" or "other" (also for unknown kinds).
func (m *Metrics) AIError(kind string) {
	c, ok := m.ai.errors[kind]
	if !ok {
		c = m.ai.errors["other"]
	}
	c.Inc()
}

// FirstToken records how long the AI backend took to send its first chunk.
func (m *Metrics) FirstToken(d time.Duration) {
	m.ai.firstToken.Observe(d.Seconds())
}
