package ratelimit

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a time that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func mustAllow(t *testing.T, l *Limiter, key string) {
	t.Helper()
	if ok, retry := l.Allow(key); !ok {
		t.Fatalf("Allow(%q) refused, retry after %v; want allowed", key, retry)
	}
}

func mustRefuse(t *testing.T, l *Limiter, key string, wantRetry time.Duration) {
	t.Helper()
	if ok, retry := l.Allow(key); ok || retry != wantRetry {
		t.Fatalf("Allow(%q) = %v, %v; want refused, retry after %v", key, ok, retry, wantRetry)
	}
}

func TestAllowBurstThenRefuse(t *testing.T) {
	clock := newFakeClock()
	l := NewWithClock(Rate{Limit: 10, Period: time.Minute}, clock.Now)
	defer l.Close()

	for range 10 {
		mustAllow(t, l, "203.0.113.7")
	}
	// One token returns every 6s.
	mustRefuse(t, l, "203.0.113.7", 6*time.Second)
	clock.Advance(2 * time.Second)
	mustRefuse(t, l, "203.0.113.7", 4*time.Second)
}

func TestAllowRefillsAfterRetryAfter(t *testing.T) {
	clock := newFakeClock()
	l := NewWithClock(Rate{Limit: 3, Period: time.Second}, clock.Now)
	defer l.Close()

	for range 3 {
		mustAllow(t, l, "k")
	}
	_, retry := l.Allow("k")
	clock.Advance(retry - time.Nanosecond)
	mustRefuse(t, l, "k", time.Nanosecond)
	clock.Advance(time.Nanosecond)
	mustAllow(t, l, "k")
	mustRefuse(t, l, "k", retry)

	// A whole Period refills the whole burst, and no more.
	clock.Advance(time.Hour)
	for range 3 {
		mustAllow(t, l, "k")
	}
	mustRefuse(t, l, "k", retry)
}

func TestAllowSteadyRate(t *testing.T) {
	clock := newFakeClock()
	l := NewWithClock(Rate{Limit: 30, Period: time.Minute}, clock.Now)
	defer l.Close()

	allowed := 0
	// One attempt every 100ms from 0s to 600s inclusive: the burst, then one
	// every 2s.
	for range 6001 {
		if ok, _ := l.Allow("user:1"); ok {
			allowed++
		}
		clock.Advance(100 * time.Millisecond)
	}
	if want := 30 + 10*30; allowed != want {
		t.Errorf("allowed %d in 10 minutes; want %d", allowed, want)
	}
}

func TestAllowKeysAreIndependent(t *testing.T) {
	clock := newFakeClock()
	l := NewWithClock(Rate{Limit: 2, Period: time.Minute}, clock.Now)
	defer l.Close()

	mustAllow(t, l, "a@example.com")
	mustAllow(t, l, "a@example.com")
	mustRefuse(t, l, "a@example.com", 30*time.Second)
	mustAllow(t, l, "b@example.com")
	mustAllow(t, l, "b@example.com")
	mustRefuse(t, l, "b@example.com", 30*time.Second)
}

func TestLimitDoesNotDividePeriod(t *testing.T) {
	clock := newFakeClock()
	l := NewWithClock(Rate{Limit: 7, Period: time.Second}, clock.Now)
	defer l.Close()

	for range 7 {
		mustAllow(t, l, "k")
	}
	if ok, retry := l.Allow("k"); ok || retry <= 0 || retry > time.Second/7+1 {
		t.Fatalf("8th Allow = %v, %v; want refused for about 1/7s", ok, retry)
	}
}

func TestCapEvictsLeastRecentlySeen(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(Rate{Limit: 1, Period: time.Hour}, clock.Now, 3)

	for _, k := range []string{"a", "b", "c"} {
		mustAllow(t, l, k)
	}
	mustRefuse(t, l, "a", time.Hour) // a is now the most recently seen
	mustAllow(t, l, "d")             // evicts b
	if n := l.len(); n != 3 {
		t.Fatalf("len = %d; want 3", n)
	}
	mustRefuse(t, l, "a", time.Hour)
	mustRefuse(t, l, "c", time.Hour) // evicting b made c the least recent
	mustAllow(t, l, "b")             // b was forgotten: its count restarted
}

func TestFloodOfKeysStaysBounded(t *testing.T) {
	clock := newFakeClock()
	const capacity = 50_000
	l := newLimiter(Rate{Limit: 5, Period: time.Minute}, clock.Now, capacity)
	if len(l.shards) < 2 {
		t.Fatalf("%d shards for %d keys; want several", len(l.shards), capacity)
	}
	for i := range 4 * capacity {
		l.Allow("flood-" + strconv.Itoa(i) + "@example.com")
	}
	if n := l.len(); n > capacity || n < capacity*9/10 {
		t.Errorf("len after a flood = %d; want at most %d and near it", n, capacity)
	}
}

func TestSweepForgetsOnlyIdleKeys(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(Rate{Limit: 2, Period: time.Minute}, clock.Now, maxKeys)

	mustAllow(t, l, "idle")
	mustAllow(t, l, "idle")
	clock.Advance(30 * time.Second)
	mustAllow(t, l, "busy")
	mustAllow(t, l, "busy")

	clock.Advance(30 * time.Second)
	l.sweep()
	if n := l.len(); n != 1 {
		t.Fatalf("len after sweep = %d; want 1 (busy)", n)
	}
	// busy's state was kept: one of its tokens is back, not both.
	mustAllow(t, l, "busy")
	mustRefuse(t, l, "busy", 30*time.Second)
	mustAllow(t, l, "idle")
}

func TestJanitorSweepsUntilClosed(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(Rate{Limit: 1, Period: time.Minute}, clock.Now, maxKeys)
	l.startJanitor(time.Millisecond)
	mustAllow(t, l, "k")
	clock.Advance(time.Minute)
	for deadline := time.Now().Add(5 * time.Second); l.len() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("janitor did not forget an idle key")
		}
	}
	l.Close()
	l.Close() // idempotent
	mustAllow(t, l, "k")
}

func TestAllowConcurrent(t *testing.T) {
	l := New(Rate{Limit: 100, Period: time.Hour})
	defer l.Close()

	if n := allowedAtOnce(8, 50, "shared", l); n != 100 {
		t.Errorf("allowed %d of 400 concurrent requests; want exactly 100", n)
	}
}

func TestNewPanicsOnInvalidRate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(Rate{}) did not panic")
		}
	}()
	New(Rate{})
}

func BenchmarkAllowParallel(b *testing.B) {
	l := New(Rate{Limit: 1_000_000, Period: time.Second})
	defer l.Close()
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "user:" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow(keys[i%len(keys)])
			i++
		}
	})
}

// allowedAtOnce sends each of workers goroutines' requests requests for key
// to the limiters in turn, all at once, and counts those allowed.
func allowedAtOnce(workers, requests int, key string, limiters ...*Limiter) int64 {
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		l := limiters[i%len(limiters)]
		wg.Go(func() {
			for range requests {
				if ok, _ := l.Allow(key); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return allowed.Load()
}
