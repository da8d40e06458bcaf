package session

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const testRedisAddr = "127.0.0.1:6379"

func newTestRedis(t *testing.T) *redis.Client {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: testRedisAddr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Skipf("redis is not reachable at %s: %v", testRedisAddr, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// newTestRedisBackend uses a prefix of its own and removes its keys after
// the test.
func newTestRedisBackend(t *testing.T, client *redis.Client) *RedisBackend {
	prefix := "amanda-test:" + newID()[:12] + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return NewRedisBackend(client, prefix)
}

func TestRedisBackend(t *testing.T) {
	client := newTestRedis(t)
	runBackendSuite(t, func(t *testing.T) Backend { return newTestRedisBackend(t, client) })
}

func TestRedisBackendTTL(t *testing.T) {
	client := newTestRedis(t)
	b := newTestRedisBackend(t, client)
	ctx := context.Background()
	id := newID()
	if err := b.SaveSession(ctx, id, 1, []byte("{}"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ttl, err := client.PTTL(ctx, b.prefix+id).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, %v; want about an hour", ttl, err)
	}
	// Saving with a past expiry must not leave a key without TTL.
	if err := b.SaveSession(ctx, id, 1, []byte("{}"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, b.prefix+id).Result(); err != nil || n != 0 {
		t.Errorf("key of an expired session exists: %d, %v", n, err)
	}
}

func TestRedisBackendUserSet(t *testing.T) {
	client := newTestRedis(t)
	b := newTestRedisBackend(t, client)
	ctx := context.Background()
	userKey := b.prefix + "user:7"
	save := func(id string, lifetime time.Duration) {
		t.Helper()
		if err := b.SaveSession(ctx, id, 7, []byte("{}"), time.Now().Add(lifetime)); err != nil {
			t.Fatal(err)
		}
	}
	ttl := func() time.Duration {
		t.Helper()
		ttl, err := client.PTTL(ctx, userKey).Result()
		if err != nil {
			t.Fatal(err)
		}
		return ttl
	}
	long, short, ended := newID(), newID(), newID()
	save(long, 2*time.Hour)
	if got := ttl(); got <= 119*time.Minute || got > 2*time.Hour {
		t.Errorf("the user's set lives %v, want about as long as the session (2h)", got)
	}
	// A shorter session does not shorten the set's life.
	save(short, 10*time.Minute)
	if got := ttl(); got <= 119*time.Minute {
		t.Errorf("after a shorter session the set lives %v, want still about 2h", got)
	}
	// A session deleted by itself leaves the set at the user's next save.
	save(ended, time.Hour)
	if err := b.DeleteSession(ctx, ended); err != nil {
		t.Fatal(err)
	}
	save(short, 10*time.Minute)
	members, err := client.SMembers(ctx, userKey).Result()
	if err != nil || len(members) != 2 || !slices.Contains(members, long) || !slices.Contains(members, short) {
		t.Errorf("the user's set holds %v, %v; want the two live sessions", members, err)
	}
	if err := b.DeleteUserSessions(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, userKey, b.prefix+long, b.prefix+short).Result(); err != nil || n != 0 {
		t.Errorf("%d keys of the user's sessions left after DeleteUserSessions, %v", n, err)
	}
}
