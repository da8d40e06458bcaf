package ratelimit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// KeyPrefix starts every key a shared Limiter writes:
// KeyPrefix + name + ":" + key.
const KeyPrefix = "amanda:ratelimit:"

// DefaultRedisTimeout bounds one Redis call when RedisStoreOptions leaves
// Timeout unset: a healthy Redis answers in a millisecond, and a hung one
// must not slow a login by more than this.
const DefaultRedisTimeout = 100 * time.Millisecond

// DefaultProbeInterval is how often, while Redis fails, one request tries
// it again when RedisStoreOptions leaves ProbeInterval unset; every other
// request goes straight to memory instead of waiting out the timeout.
const DefaultProbeInterval = time.Second

// gcraScript is Allow's GCRA run inside Redis, so that read, decision and
// write are one atomic step for the whole fleet. It counts microseconds of
// Redis's own clock (a double holds them exactly; nanoseconds since 1970 it
// does not), so the instances' clocks do not matter.
//
// KEYS[1] holds when the bucket is full again; ARGV[1] is the interval one
// token takes to return and ARGV[2] the window, Limit intervals. It returns
// 0 when a token was taken, else the microseconds until one returns. The
// key expires when the bucket is full, as it then holds nothing worth
// keeping.
var gcraScript = redis.NewScript(`
local time = redis.call('TIME')
local now = time[1] * 1000000 + time[2]
local interval, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local full = math.max(tonumber(redis.call('GET', KEYS[1])) or now, now) + interval
local wait = full - now - window
if wait > 0 then
	return wait
end
redis.call('SET', KEYS[1], full, 'PX', math.ceil((full - now) / 1000))
return 0
`)

// errRedisFailing is what a shared Limiter gets instead of a Redis call
// while Redis fails and another request is probing it.
var errRedisFailing = errors.New("ratelimit: redis failing, not tried until the next probe")

// RedisStore is one Redis holding the buckets of shared limiters, so that
// every instance of the service spends one budget per key.
//
// When a call fails or takes longer than the timeout, the Limiter answers
// from its own memory instead (Flask-Limiter's RATELIMIT_SWALLOW_ERRORS
// lets everything through; refusing everyone would turn a Redis outage
// into a service outage): limits keep applying, per instance. The store
// logs once when Redis starts failing and once when it answers again, and
// meanwhile tries it with one request per probe interval.
//
// A RedisStore is safe for concurrent use.
type RedisStore struct {
	client        *redis.Client
	timeout       time.Duration
	probeInterval time.Duration
	logger        *slog.Logger
	storageError  func()
	degraded      func(bool)

	failing   atomic.Bool
	nextProbe atomic.Int64 // Unix nanoseconds; while failing, when Redis may be tried again
	mu        sync.Mutex   // orders the transitions of failing, so each is logged once
	names     map[string]bool
}

// RedisStoreOptions tune a RedisStore; the zero value is usable.
type RedisStoreOptions struct {
	// Timeout bounds each Redis call; zero means DefaultRedisTimeout.
	Timeout time.Duration
	// ProbeInterval is how often Redis is tried while it fails; zero means
	// DefaultProbeInterval.
	ProbeInterval time.Duration
	// Logger gets the outage's start (Warn) and end (Info); nil means
	// slog.Default().
	Logger *slog.Logger
	// StorageError, when set, counts a failed Redis call (metrics).
	StorageError func()
	// Degraded, when set, is told when the limiters start (true) and stop
	// (false) answering from memory because Redis fails (metrics).
	Degraded func(degraded bool)
}

// NewRedisStore returns a store on a client of its own for redisOptions,
// which it does not change. The client connects on first use: a Redis down
// at start-up is an outage like any other. Close closes the client.
func NewRedisStore(redisOptions *redis.Options, opts RedisStoreOptions) *RedisStore {
	o := *redisOptions
	// Each call carries its timeout as a context deadline.
	o.ContextTimeoutEnabled = true
	// A script retried after a lost reply could spend a token twice, and
	// within the timeout there is no time to retry a call or a dial anyway.
	o.MaxRetries = -1
	o.DialerRetries = 1
	return &RedisStore{
		client:        redis.NewClient(&o),
		timeout:       cmp.Or(opts.Timeout, DefaultRedisTimeout),
		probeInterval: cmp.Or(opts.ProbeInterval, DefaultProbeInterval),
		logger:        cmp.Or(opts.Logger, slog.Default()),
		storageError:  opts.StorageError,
		degraded:      opts.Degraded,
		names:         make(map[string]bool),
	}
}

// Close closes the store's Redis client; its limiters then answer from
// memory.
func (s *RedisStore) Close() error {
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("ratelimit: close redis client: %w", err)
	}
	return nil
}

// Degraded reports whether the limiters currently answer from memory
// because Redis fails.
func (s *RedisStore) Degraded() bool { return s.failing.Load() }

// NewShared returns a Limiter allowing rate per key for the whole fleet,
// its buckets in store under KeyPrefix + name. name tells this limit's keys
// from every other's (two limits may have the same rate), so it must be
// unique in store and must not contain ':'; NewShared panics otherwise, and
// on a rate ParseRate would refuse. Close stops the janitor of the memory
// it falls back to.
func NewShared(rate Rate, name string, store *RedisStore) *Limiter {
	store.claim(name)
	l := New(rate)
	// Redis counts microseconds; rounding the interval up keeps the rate
	// at most the one asked for.
	interval := (l.interval + time.Microsecond - 1) / time.Microsecond
	l.shared = &sharedBuckets{
		store:  store,
		prefix: KeyPrefix + name + ":",
		args:   []any{int64(interval), int64(interval) * int64(rate.Limit)},
	}
	return l
}

// claim reserves name for one Limiter of s.
func (s *RedisStore) claim(name string) {
	if name == "" || strings.Contains(name, ":") {
		panic(fmt.Sprintf("ratelimit: limiter name %q must be non-empty and without ':'", name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names[name] {
		panic(fmt.Sprintf("ratelimit: limiter name %q already used in this store", name))
	}
	s.names[name] = true
}

// sharedBuckets is where a shared Limiter's buckets live in Redis.
type sharedBuckets struct {
	store  *RedisStore
	prefix string // KeyPrefix + name + ":"
	args   []any  // gcraScript's ARGV, boxed once
}

// allow is Allow done in Redis; an error means Redis did not decide.
func (b *sharedBuckets) allow(key string) (ok bool, retryAfter time.Duration, err error) {
	wait, err := b.store.run(b.prefix+key, b.args)
	if err != nil {
		return false, 0, err
	}
	return wait == 0, time.Duration(wait) * time.Microsecond, nil
}

// run runs gcraScript on key within the timeout, unless Redis is failing
// and it is not this call's turn to probe it.
func (s *RedisStore) run(key string, args []any) (int64, error) {
	if !s.mayTry() {
		return 0, errRedisFailing
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	wait, err := gcraScript.Run(ctx, s.client, []string{key}, args...).Int64()
	cancel()
	s.observe(err)
	return wait, err
}

// mayTry reports whether a call may go to Redis: always while it answers,
// and while it fails to the first call of each probe interval.
func (s *RedisStore) mayTry() bool {
	if !s.failing.Load() {
		return true
	}
	next, now := s.nextProbe.Load(), time.Now().UnixNano()
	return now >= next && s.nextProbe.CompareAndSwap(next, now+int64(s.probeInterval))
}

// observe records a call's outcome, and a change of state once.
func (s *RedisStore) observe(err error) {
	failing := err != nil
	if failing {
		if s.storageError != nil {
			s.storageError()
		}
		s.nextProbe.Store(time.Now().Add(s.probeInterval).UnixNano())
	}
	if s.failing.Load() == failing {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing.Load() == failing {
		return
	}
	s.failing.Store(failing)
	if failing {
		s.logger.Warn("rate limit storage failing: each instance limits on its own until Redis answers",
			"redis", s.client.Options().Addr, "error", err)
	} else {
		s.logger.Info("rate limit storage answers again: limits are shared by the fleet again", "redis", s.client.Options().Addr)
	}
	if s.degraded != nil {
		s.degraded(failing)
	}
}
