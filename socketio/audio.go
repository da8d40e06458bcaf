package socketio

import (
	"sync/atomic"

	"github.com/amanda-platform/amanda-backend/metrics"
)

// audioBudget bounds the voice audio the process holds for turns at once:
// a recording counts from the moment its event is handled (the base64 text
// received) until its transcription is done (the decoded audio), so queued
// voice turns cannot hoard memory.
type audioBudget struct {
	limit   int64
	used    atomic.Int64
	metrics *metrics.Metrics
}

func newAudioBudget(limit int64, meters *metrics.Metrics) *audioBudget {
	return &audioBudget{limit: limit, metrics: meters}
}

// reserve takes n bytes, or reports false when they would exceed the budget.
func (b *audioBudget) reserve(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.limit {
			b.metrics.Refused(metrics.RefusedAudioBudget)
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			b.metrics.AudioInFlight(n)
			return true
		}
	}
}

// release gives n reserved bytes back.
func (b *audioBudget) release(n int64) {
	b.used.Add(-n)
	b.metrics.AudioInFlight(-n)
}
