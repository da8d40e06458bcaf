package ratelimit

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/redistest"
)

// testDB is the test Redis database of this package's tests.
const testDB = 15

// testRedis is the test Redis and a limiter name of t's own, whose keys
// are deleted before and after t.
func testRedis(t testing.TB) (*redis.Options, string) {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	return redistest.Options(t, testDB, KeyPrefix+name+"*"), name
}

// newTestStore is a RedisStore closed when t ends.
func newTestStore(t testing.TB, redisOptions *redis.Options, opts RedisStoreOptions) *RedisStore {
	t.Helper()
	s := NewRedisStore(redisOptions, opts)
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestShared is NewShared, its janitor stopped when t ends.
func newTestShared(t testing.TB, rate Rate, name string, store *RedisStore) *Limiter {
	t.Helper()
	l := NewShared(rate, name, store)
	t.Cleanup(l.Close)
	return l
}

func within(a, b, tolerance time.Duration) bool { return max(a-b, b-a) <= tolerance }

func TestSharedAnswersAsMemoryDoes(t *testing.T) {
	opts, name := testRedis(t)
	rate := Rate{Limit: 5, Period: 500 * time.Millisecond} // a token returns every 100ms
	memory := New(rate)
	defer memory.Close()
	shared := newTestShared(t, rate, name, newTestStore(t, opts, RedisStoreOptions{}))

	// step asks both and returns how long until both allow again. Their
	// retryAfter may differ by the time between the two calls now, plus that
	// between the two calls that took the first token of the window (the
	// widest gap seen stands for it: a loaded machine can pause either one),
	// and a millisecond of Redis's clock against ours.
	var widestGap time.Duration
	step := func(wantOK bool) time.Duration {
		t.Helper()
		start := time.Now()
		okMemory, retryMemory := memory.Allow("203.0.113.7")
		okShared, retryShared := shared.Allow("203.0.113.7")
		between := time.Since(start)
		widestGap = max(widestGap, between)
		if okMemory != wantOK || okShared != wantOK || !within(retryMemory, retryShared, widestGap+between+time.Millisecond) {
			t.Fatalf("memory: %v, retry after %v; Redis: %v, retry after %v, %v later (widest gap %v); want both %v alike",
				okMemory, retryMemory, okShared, retryShared, between, widestGap, wantOK)
		}
		return max(retryMemory, retryShared)
	}
	burst := time.Now()
	for range 5 {
		step(true)
	}
	// The first token returns 100ms after it was taken.
	retry := step(false)
	if earliest := 100*time.Millisecond - time.Since(burst); retry < earliest || retry > 100*time.Millisecond {
		t.Fatalf("retry after %v once the burst is spent; want between %v and 100ms", retry, earliest)
	}
	time.Sleep(retry)
	step(true)
	step(false)
	// A whole Period refills the whole burst, and no more.
	time.Sleep(rate.Period)
	for range 5 {
		step(true)
	}
	step(false)
}

// A refusal's retryAfter is exact: retrying after it is allowed.
func TestSharedRetryAfterIsExact(t *testing.T) {
	opts, name := testRedis(t)
	shared := newTestShared(t, Rate{Limit: 1, Period: 50 * time.Millisecond}, name, newTestStore(t, opts, RedisStoreOptions{}))
	mustAllow(t, shared, "k")
	for range 5 {
		ok, retry := shared.Allow("k")
		if ok || retry <= 0 || retry > 50*time.Millisecond {
			t.Fatalf("Allow right after a token = %v, %v; want refused within 50ms", ok, retry)
		}
		time.Sleep(retry)
		mustAllow(t, shared, "k")
	}
}

// Two instances, each with its own client, spend one budget.
func TestSharedInstancesSpendOneBudget(t *testing.T) {
	opts, name := testRedis(t)
	rate := Rate{Limit: 4, Period: time.Minute}
	a := newTestShared(t, rate, name, newTestStore(t, opts, RedisStoreOptions{}))
	b := newTestShared(t, rate, name, newTestStore(t, opts, RedisStoreOptions{}))

	for _, l := range []*Limiter{a, b, a, b} {
		mustAllow(t, l, "victim@example.com")
	}
	for _, l := range []*Limiter{a, b} {
		if ok, retry := l.Allow("victim@example.com"); ok || !within(retry, 15*time.Second, 100*time.Millisecond) {
			t.Fatalf("fifth Allow = %v, %v; want refused for 15s", ok, retry)
		}
	}

	// Concurrent requests on both instances: exactly the burst passes.
	if n := allowedAtOnce(8, 25, "burst", a, b); n != 4 {
		t.Errorf("allowed %d of 200 concurrent requests on two instances; want exactly 4", n)
	}
}

func TestSharedNamesDoNotShareKeys(t *testing.T) {
	opts, name := testRedis(t)
	store := newTestStore(t, opts, RedisStoreOptions{})
	rate := Rate{Limit: 2, Period: time.Minute}
	byIP := newTestShared(t, rate, name+"_ip", store)
	byEmail := newTestShared(t, rate, name+"_email", store)

	mustAllow(t, byIP, "k")
	mustAllow(t, byIP, "k")
	if ok, _ := byIP.Allow("k"); ok {
		t.Fatal("third Allow allowed")
	}
	mustAllow(t, byEmail, "k")
	mustAllow(t, byEmail, "k")

	for _, bad := range []string{name + "_ip", "", "login:ip"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewShared(%q) did not panic", bad)
				}
			}()
			NewShared(rate, bad, store).Close()
		}()
	}
}

// A key lives only until its bucket is full again.
func TestSharedKeysExpire(t *testing.T) {
	opts, name := testRedis(t)
	rate := Rate{Limit: 2, Period: 200 * time.Millisecond}
	shared := newTestShared(t, rate, name, newTestStore(t, opts, RedisStoreOptions{}))
	client := redis.NewClient(opts)
	defer client.Close()
	ctx := context.Background()
	key := "amanda:ratelimit:" + name + ":203.0.113.7"

	mustAllow(t, shared, "203.0.113.7")
	if ttl := client.PTTL(ctx, key).Val(); ttl <= 0 || ttl > 100*time.Millisecond {
		t.Fatalf("PTTL %s after one token = %v; want up to 100ms", key, ttl)
	}
	mustAllow(t, shared, "203.0.113.7")
	if ttl := client.PTTL(ctx, key).Val(); ttl <= 100*time.Millisecond || ttl > 200*time.Millisecond {
		t.Fatalf("PTTL %s after two tokens = %v; want up to 200ms", key, ttl)
	}
	time.Sleep(250 * time.Millisecond)
	if n := client.Exists(ctx, key).Val(); n != 0 {
		t.Fatalf("%s still exists once its bucket is full", key)
	}
}

// syncBuffer is a log destination for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// hungRedis is the address of a server that accepts connections and
// never answers.
func hungRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// closedPort is an address where connections are refused.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestSharedFailsOverToMemoryAndBack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		broken func(*testing.T) string
	}{
		{"hung", hungRedis},
		{"refused", closedPort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, name := testRedis(t)
			// The store dials wherever target points: Redis failing, then back.
			var target atomic.Value
			target.Store(tc.broken(t))
			switchable := *opts
			switchable.Dialer = func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, target.Load().(string))
			}
			var logs syncBuffer
			var storageErrors atomic.Int64
			var degraded []bool
			var degradedMu sync.Mutex
			const timeout = 100 * time.Millisecond
			store := newTestStore(t, &switchable, RedisStoreOptions{
				Timeout:       timeout,
				ProbeInterval: 50 * time.Millisecond,
				Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
				StorageError:  func() { storageErrors.Add(1) },
				Degraded: func(d bool) {
					degradedMu.Lock()
					defer degradedMu.Unlock()
					degraded = append(degraded, d)
				},
			})
			shared := newTestShared(t, Rate{Limit: 2, Period: time.Minute}, name, store)
			wantDegraded := func(want ...bool) {
				t.Helper()
				degradedMu.Lock()
				defer degradedMu.Unlock()
				if !slices.Equal(degraded, want) || store.Degraded() != want[len(want)-1] {
					t.Fatalf("degraded reported %v, now %v; want %v", degraded, store.Degraded(), want)
				}
			}
			// allow is Allow, checked to answer within the timeout.
			allow := func() (bool, time.Duration) {
				t.Helper()
				start := time.Now()
				ok, retry := shared.Allow("203.0.113.7")
				if elapsed := time.Since(start); elapsed > timeout+200*time.Millisecond {
					t.Fatalf("Allow took %v with a %v timeout", elapsed, timeout)
				}
				return ok, retry
			}

			// Memory applies the limit while Redis fails, over several probes.
			for i := range 5 {
				ok, retry := allow()
				if want := i < 2; ok != want || (!ok && (retry <= 29*time.Second || retry > 30*time.Second)) {
					t.Fatalf("Allow %d with Redis failing = %v, %v; want %v (memory's limit)", i+1, ok, retry, want)
				}
				time.Sleep(30 * time.Millisecond)
			}
			if n := logs.count("level=WARN msg=\"rate limit storage failing"); n != 1 || logs.count("error=") != 1 {
				t.Fatalf("logged the outage %d times; want once, with the error:\n%s", n, logs.buf.String())
			}
			if n := storageErrors.Load(); n < 2 || n > 5 {
				t.Errorf("counted %d storage errors over 5 calls and probes; want one per probe", n)
			}
			wantDegraded(true)

			// Back on Redis: the key is fresh there, so it allows what
			// memory refuses.
			target.Store(opts.Addr)
			deadline := time.Now().Add(5 * time.Second)
			for store.Degraded() {
				if time.Now().After(deadline) {
					t.Fatal("still degraded 5s after Redis came back")
				}
				time.Sleep(20 * time.Millisecond)
				allow()
			}
			if ok, _ := allow(); !ok {
				t.Fatal("refused by memory's count once Redis answers again")
			}
			if n := logs.count("level=INFO msg=\"rate limit storage answers again"); n != 1 {
				t.Fatalf("logged the recovery %d times; want once:\n%s", n, logs.buf.String())
			}
			wantDegraded(true, false)
		})
	}
}

// BenchmarkAllowStorage puts memory and Redis side by side, one caller
// and many.
func BenchmarkAllowStorage(b *testing.B) {
	rate := Rate{Limit: 1_000_000, Period: time.Second}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "user:" + strconv.Itoa(i)
	}
	limiters := []struct {
		name string
		new  func(*testing.B) *Limiter
	}{
		{"memory", func(*testing.B) *Limiter { return New(rate) }},
		{"redis", func(b *testing.B) *Limiter {
			opts, name := testRedis(b)
			store := newTestStore(b, opts, RedisStoreOptions{})
			b.Cleanup(func() {
				if store.Degraded() {
					b.Error("Redis failed during the benchmark: the figures are memory's")
				}
			})
			return NewShared(rate, name, store)
		}},
	}
	for _, backend := range limiters {
		b.Run(backend.name, func(b *testing.B) {
			l := backend.new(b)
			defer l.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				l.Allow(keys[i%len(keys)])
				i++
			}
		})
		b.Run(backend.name+"-parallel", func(b *testing.B) {
			l := backend.new(b)
			defer l.Close()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					l.Allow(keys[i%len(keys)])
					i++
				}
			})
		})
	}
}
