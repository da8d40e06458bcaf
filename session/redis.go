package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisBackend keeps sessions as Redis keys with a TTL (SESSION_TYPE
// redis), so several instances share them.
type RedisBackend struct {
	client *redis.Client
	prefix string
}

// NewRedisBackend stores sessions under prefix+id, e.g. prefix "session:".
func NewRedisBackend(client *redis.Client, prefix string) *RedisBackend {
	return &RedisBackend{client: client, prefix: prefix}
}

// LoadSession returns the data of an unexpired session.
func (b *RedisBackend) LoadSession(ctx context.Context, id string) ([]byte, error) {
	data, err := b.client.Get(ctx, b.prefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: unable to load session: %w", err)
	}
	return data, nil
}

// SaveSession stores the session with a TTL reaching to expiry.
func (b *RedisBackend) SaveSession(ctx context.Context, id string, data []byte, expiry time.Time) error {
	// Redis rounds TTLs to milliseconds, and a TTL of 0 would mean "never".
	ttl := time.Until(expiry).Truncate(time.Millisecond)
	if ttl <= 0 {
		return b.DeleteSession(ctx, id)
	}
	if err := b.client.Set(ctx, b.prefix+id, data, ttl).Err(); err != nil {
		return fmt.Errorf("session: unable to save session: %w", err)
	}
	return nil
}

// DeleteSession removes the session; an unknown id is not an error.
func (b *RedisBackend) DeleteSession(ctx context.Context, id string) error {
	if err := b.client.Del(ctx, b.prefix+id).Err(); err != nil {
		return fmt.Errorf("session: unable to delete session: %w", err)
	}
	return nil
}

// PurgeSessions does nothing: Redis expires the keys itself.
func (b *RedisBackend) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	return 0, nil
}
