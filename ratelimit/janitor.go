package ratelimit

import "time"

// janitorInterval sweeps about once a Period: often enough that idle keys
// do not linger, rarely enough to cost nothing.
func janitorInterval(period time.Duration) time.Duration {
	return min(max(period, time.Second), time.Minute)
}

func (l *Limiter) startJanitor(every time.Duration) {
	l.stop = make(chan struct{})
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.sweep()
			}
		}
	}()
}

// sweep forgets keys not seen for a Period. Their buckets are full, as a
// bucket refills completely in a Period, so forgetting them changes nothing.
func (l *Limiter) sweep() {
	now := l.now().Sub(l.epoch)
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		// recent is ordered by last seen, so the idle keys are at its back.
		for e := s.recent.Back(); e != nil && now-e.Value.(*bucket).seen >= l.period; e = s.recent.Back() {
			s.remove(e)
		}
		s.mu.Unlock()
	}
}

// Close stops the janitor; the Limiter keeps working without it, bounded
// by its key cap alone.
func (l *Limiter) Close() {
	l.closeOnce.Do(func() {
		if l.stop != nil {
			close(l.stop)
			<-l.done
		}
	})
}
