package logging

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// Outage logs a dependency's failures once when an outage begins, not once
// per failed call: a dependency that is down fails every call, and a log
// line each would bury everything else.
type Outage struct {
	logger *slog.Logger
	what   string
	last   atomic.Int64 // unix nanoseconds of the last failure; 0 before any
}

// OutageQuiet is how long without a failure ends an outage: the next
// failure after it is logged again.
const OutageQuiet = 10 * time.Second

// NewOutage logs what's outages to logger.
func NewOutage(logger *slog.Logger, what string) *Outage {
	return &Outage{logger: logger, what: what}
}

// Failed records a failure, logging it when it begins an outage.
func (o *Outage) Failed(err error) {
	now := time.Now().UnixNano()
	if last := o.last.Swap(now); last != 0 && now-last < int64(OutageQuiet) {
		return
	}
	o.logger.Warn(o.what+" unreachable", "error", err)
}
