// Package lease holds named leases in Redis: one holder at a time across
// every instance, renewed while held, lapsing by itself when its holder
// dies. The chat turn takes one per chat, so that a fleet runs each chat's
// turns one at a time without holding a database connection for a reply.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Leases takes and renews leases in one Redis.
type Leases struct {
	client redis.UniversalClient
	prefix string
	ttl    time.Duration
	poll   time.Duration
	logger *slog.Logger
}

// New keeps leases under prefix in client. A lease lapses ttl after its
// holder last renewed it; holders renew it every ttl/3, and waiters ask for
// it every poll.
func New(client redis.UniversalClient, prefix string, ttl, poll time.Duration, logger *slog.Logger) *Leases {
	return &Leases{client: client, prefix: prefix, ttl: ttl, poll: poll, logger: logger}
}

// Only the holder, known by its token, renews or releases a lease: one
// that lapsed and went to another holder is theirs.
var (
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
)

// callTimeout bounds each Redis call, so a hung Redis fails a lease
// instead of holding a turn.
const callTimeout = 2 * time.Second

// Lock takes the lease named by id (a chat's id): see Acquire.
func (l *Leases) Lock(ctx context.Context, id int64) (unlock func(), err error) {
	return l.Acquire(ctx, strconv.FormatInt(id, 10))
}

// Held reports whether anyone holds the lease named by id.
func (l *Leases) Held(ctx context.Context, id int64) (bool, error) {
	n, err := l.client.Exists(ctx, l.prefix+strconv.FormatInt(id, 10)).Result()
	if err != nil {
		return false, fmt.Errorf("lease: look up %d: %w", id, err)
	}
	return n == 1, nil
}

// Acquire waits until this caller holds name's lease, or ctx ends, or Redis
// fails. While held, the lease is renewed; release gives it up.
func (l *Leases) Acquire(ctx context.Context, name string) (release func(), err error) {
	key := l.prefix + name
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	for {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		ok, err := l.client.SetNX(callCtx, key, token, l.ttl).Result()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("lease: take %s: %w", key, err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(l.poll):
		}
	}
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go l.renew(key, token, stop, renewed)
	return func() {
		close(stop)
		<-renewed
		callCtx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := releaseScript.Run(callCtx, l.client, []string{key}, token).Err(); err != nil {
			// It lapses by itself after ttl.
			l.logger.Warn("lease: release failed", "lease", key, "error", err)
		}
	}, nil
}

// renew extends the lease every ttl/3 until stop is closed.
func (l *Leases) renew(key, token string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(l.ttl / 3)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		held, err := renewScript.Run(ctx, l.client, []string{key}, token, l.ttl.Milliseconds()).Int()
		cancel()
		switch {
		case err != nil:
			l.logger.Warn("lease: renewal failed; it lapses unless a later one succeeds", "lease", key, "error", err)
		case held == 0:
			l.logger.Warn("lease: lost (it lapsed); the holder goes on without it", "lease", key)
		}
	}
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("lease: token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
