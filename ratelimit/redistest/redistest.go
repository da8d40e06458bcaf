// Package redistest gives tests the Redis on 127.0.0.1:6379. A test that
// needs it is skipped, saying so, when it is down, or fails under CI=true,
// so CI can never pass without having run it.
package redistest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Addr is the test Redis.
const Addr = "127.0.0.1:6379"

// Options are for database db of the test Redis, once it has answered a
// PING; matching keys are deleted now and when the test ends, so a test
// owns them.
func Options(t testing.TB, db int, keys string) *redis.Options {
	t.Helper()
	opts := &redis.Options{Addr: Addr, DB: db}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		msg := "Redis on " + Addr + " does not answer (" + err.Error() + "); start it with redis-server"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "\nCI=true: CI must run Redis, so this is a failure, not a skip")
		}
		t.Skip(msg)
	}
	deleteKeys(t, client, keys)
	t.Cleanup(func() { deleteKeys(t, client, keys) })
	return opts
}

// deleteKeys deletes the keys matching pattern.
func deleteKeys(t testing.TB, client *redis.Client, pattern string) {
	t.Helper()
	ctx := context.Background()
	iter := client.Scan(ctx, 0, pattern, 100).Iterator()
	for iter.Next(ctx) {
		if err := client.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("redistest: delete %s: %v", iter.Val(), err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Errorf("redistest: scan %s: %v", pattern, err)
	}
}
