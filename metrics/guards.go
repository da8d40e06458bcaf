package metrics

import "github.com/prometheus/client_golang/prometheus"

// Refusal reasons of amanda_socketio_refused_total: what the server sheds
// before a socket signs in, and voice turns over the audio budget.
const (
	RefusedTooManyPending = "too_many_pending" // the cap on sessions not signed in
	RefusedOversized      = "oversized"        // a stranger's body or frames over the small limit
	RefusedConnectTimeout = "connect_timeout"  // no accepted connect within SOCKET_CONNECT_TIMEOUT
	RefusedAudioBudget    = "audio_budget"     // a voice turn over VOICE_AUDIO_BUDGET_MB
)

var refusalReasons = []string{RefusedTooManyPending, RefusedOversized, RefusedConnectTimeout, RefusedAudioBudget}

type guardMetrics struct {
	pending  prometheus.Gauge
	audio    prometheus.Gauge
	refusals map[string]prometheus.Counter
}

func newGuardMetrics(reg prometheus.Registerer) guardMetrics {
	m := guardMetrics{
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "socketio_pending_sessions",
			Help:      "Engine.IO sessions whose Socket.IO connect has not been accepted yet.",
		}),
		audio: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "voice_audio_in_flight_bytes",
			Help:      "Bytes of voice audio the process holds for turns at once (received or decoded).",
		}),
		refusals: make(map[string]prometheus.Counter, len(refusalReasons)),
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "socketio_refused_total",
		Help:      "Socket.IO requests, sessions and voice turns refused to protect the server, by reason.",
	}, []string{"reason"})
	reg.MustRegister(m.pending, m.audio, refused)
	for _, reason := range refusalReasons {
		m.refusals[reason] = refused.WithLabelValues(reason)
	}
	return m
}

// PendingSessions moves the count of sessions not signed in by delta.
func (m *Metrics) PendingSessions(delta int) { m.guards.pending.Add(float64(delta)) }

// AudioInFlight moves the bytes of voice audio held by delta.
func (m *Metrics) AudioInFlight(delta int64) { m.guards.audio.Add(float64(delta)) }

// Refused counts one refusal for reason (one of the Refused constants).
func (m *Metrics) Refused(reason string) {
	if c, ok := m.guards.refusals[reason]; ok {
		c.Inc()
	}
}
