package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisBackend keeps sessions as Redis keys with a TTL (SESSION_TYPE
// redis), so several instances share them. Each user also has a set of
// their session ids, prefix+"user:"+id, which lives as long as the
// longest of them; a session id never contains a colon, so the two kinds
// of keys cannot meet.
type RedisBackend struct {
	client *redis.Client
	prefix string
}

// NewRedisBackend stores sessions under prefix+id, e.g. prefix "session:".
func NewRedisBackend(client *redis.Client, prefix string) *RedisBackend {
	return &RedisBackend{client: client, prefix: prefix}
}

// redisSaveSession stores session KEYS[1] (data ARGV[1], TTL ARGV[2] ms)
// and, when KEYS[2] (the user's set) is given, adds its id ARGV[3] to the
// set, drops the ids of sessions that have ended since (ARGV[4] is the
// key prefix), and stretches the set's TTL to the new session's. One
// script, so that a concurrent DeleteUserSessions never sees the session
// without its set entry.
var redisSaveSession = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[2] then
	for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
		if redis.call('EXISTS', ARGV[4] .. member) == 0 then
			redis.call('SREM', KEYS[2], member)
		end
	end
	redis.call('SADD', KEYS[2], ARGV[3])
	if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
		redis.call('PEXPIRE', KEYS[2], ARGV[2])
	end
end
return 1`)

// redisDeleteUserSessions deletes every session in the user's set KEYS[1]
// (ARGV[1] is the key prefix), then the set.
var redisDeleteUserSessions = redis.NewScript(`
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
	redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1])
return 1`)

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

// SaveSession stores the session with a TTL reaching to expiry, and files
// it under its user.
func (b *RedisBackend) SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error {
	// Redis rounds TTLs to milliseconds, and a TTL of 0 would mean "never".
	ttl := time.Until(expiry).Truncate(time.Millisecond)
	if ttl <= 0 {
		return b.DeleteSession(ctx, id)
	}
	keys := []string{b.prefix + id}
	if userID != 0 {
		keys = append(keys, b.userKey(userID))
	}
	if err := redisSaveSession.Run(ctx, b.client, keys, data, ttl.Milliseconds(), id, b.prefix).Err(); err != nil {
		return fmt.Errorf("session: unable to save session: %w", err)
	}
	return nil
}

// DeleteSession removes the session; an unknown id is not an error. Its id
// stays in its user's set until the user's next SaveSession drops it.
func (b *RedisBackend) DeleteSession(ctx context.Context, id string) error {
	if err := b.client.Del(ctx, b.prefix+id).Err(); err != nil {
		return fmt.Errorf("session: unable to delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions removes every session of userID and the user's set.
func (b *RedisBackend) DeleteUserSessions(ctx context.Context, userID int64) error {
	if err := redisDeleteUserSessions.Run(ctx, b.client, []string{b.userKey(userID)}, b.prefix).Err(); err != nil {
		return fmt.Errorf("session: unable to delete the sessions of a user: %w", err)
	}
	return nil
}

// PurgeSessions does nothing: Redis expires the keys itself.
func (b *RedisBackend) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	return 0, nil
}

// userKey is the key of userID's set of session ids.
func (b *RedisBackend) userKey(userID int64) string {
	return b.prefix + "user:" + strconv.FormatInt(userID, 10)
}
