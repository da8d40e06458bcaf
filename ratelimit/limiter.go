// Package ratelimit limits requests per key (an IP, an email, a user), in
// memory or for a whole fleet in Redis, and finds the client's IP behind
// trusted proxies.
package ratelimit

import (
	"container/list"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// maxKeys bounds the keys one Limiter remembers, so a flood of distinct
// keys (random emails, an IPv6 range) cannot grow memory without bound.
const maxKeys = 100_000

// keysPerShard is about how many keys share a lock; shards cut contention,
// and each stays large enough that its eviction order approximates the
// whole Limiter's.
const keysPerShard = 1024

// maxShards bounds the shards, a power of two.
const maxShards = 64

// Limiter is a token bucket per key: a key holds up to Limit tokens, a
// request takes one, and tokens come back at Limit per Period. A key may
// thus burst Limit requests and then continue at the average rate, which is
// smoother than Flask-Limiter's default fixed window (that allows 2×Limit
// across a window boundary).
//
// Each bucket is kept as GCRA's single "theoretical arrival time": the
// moment the bucket will be full again. Integer time keeps retryAfter exact
// (a request retried after retryAfter is allowed), a bucket is one
// timestamp, and a bucket idle for a Period is full, so forgetting it loses
// nothing. golang.org/x/time/rate's Limiter was not used: its Allow does not
// tell when to retry, and Reserve/Cancel to find out is not atomic.
//
// Memory is bounded twice. A janitor forgets keys idle for a Period. At
// most maxKeys keys are kept: a new key beyond that evicts its shard's least
// recently seen key, whose count restarts. Refusing new keys instead would
// let one flood lock every new client out of, say, login; evicting means a
// flood must be as large as maxKeys within a Period to reset a key, and such
// a flood already spans more sources than per-source limits can stop.
// Keys are stored as seeded 64-bit hashes, so a key's length costs nothing;
// two keys colliding (odds about 1 in 4·10⁹ with 100k keys) would share a
// bucket.
//
// A shared Limiter (NewShared) keeps its buckets in Redis instead, with the
// same arithmetic, and falls back to its memory while Redis fails.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	now       func() time.Time
	epoch     time.Time
	period    time.Duration
	interval  time.Duration // Period / Limit: the time one token takes to return
	window    time.Duration // Limit × interval: how far ahead a full bucket reaches
	seed      maphash.Seed
	shards    []shard
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	shared    *sharedBuckets // nil: memory only
}

type shard struct {
	mu      sync.Mutex
	max     int
	buckets map[uint64]*list.Element // of *bucket
	recent  list.List                // of *bucket, most recently seen first
}

type bucket struct {
	key  uint64
	full time.Duration // since epoch: when the bucket holds Limit tokens again
	seen time.Duration // since epoch
}

// New returns a Limiter allowing rate per key; it panics on a rate
// ParseRate would refuse. Close stops its janitor.
func New(rate Rate) *Limiter {
	return NewWithClock(rate, time.Now)
}

// NewWithClock is New reading the time from now, for tests.
func NewWithClock(rate Rate, now func() time.Time) *Limiter {
	l := newLimiter(rate, now, maxKeys)
	l.startJanitor(janitorInterval(rate.Period))
	return l
}

func newLimiter(rate Rate, now func() time.Time, capacity int) *Limiter {
	if err := rate.Validate(); err != nil {
		panic(fmt.Sprintf("ratelimit: new limiter: %v", err))
	}
	n := 1
	for n < maxShards && capacity/(2*n) >= keysPerShard {
		n *= 2
	}
	interval := rate.Period / time.Duration(rate.Limit)
	l := &Limiter{
		now:      now,
		epoch:    now(),
		period:   rate.Period,
		interval: interval,
		window:   interval * time.Duration(rate.Limit),
		seed:     maphash.MakeSeed(),
		shards:   make([]shard, n),
	}
	for i := range l.shards {
		l.shards[i].max = max(1, capacity/n)
		l.shards[i].buckets = make(map[uint64]*list.Element)
	}
	return l
}

// Allow takes a token for key. When there is none it returns false and how
// long until there is one.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.shared != nil {
		if ok, retryAfter, err := l.shared.allow(key); err == nil {
			return ok, retryAfter
		}
	}
	return l.allowLocal(key)
}

// allowLocal is Allow on the buckets in memory.
func (l *Limiter) allowLocal(key string) (ok bool, retryAfter time.Duration) {
	now := l.now().Sub(l.epoch)
	h := maphash.String(l.seed, key)
	s := &l.shards[h&uint64(len(l.shards)-1)]

	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.touch(h, now)
	// Taking a token pushes the moment the bucket is full again one interval
	// later; a bucket cannot owe more than Limit tokens. window rather than
	// Period, which interval may not divide, keeps the burst exactly Limit.
	full := max(b.full, now) + l.interval
	if wait := full - now - l.window; wait > 0 {
		return false, wait
	}
	b.full = full
	return true, 0
}

// touch finds or adds key's bucket and marks it seen at now.
func (s *shard) touch(key uint64, now time.Duration) *bucket {
	if e, ok := s.buckets[key]; ok {
		s.recent.MoveToFront(e)
		b := e.Value.(*bucket)
		b.seen = now
		return b
	}
	if s.recent.Len() >= s.max {
		s.remove(s.recent.Back())
	}
	b := &bucket{key: key, full: now, seen: now}
	s.buckets[key] = s.recent.PushFront(b)
	return b
}

func (s *shard) remove(e *list.Element) {
	delete(s.buckets, e.Value.(*bucket).key)
	s.recent.Remove(e)
}

// len is how many keys the Limiter remembers.
func (l *Limiter) len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += s.recent.Len()
		s.mu.Unlock()
	}
	return n
}
