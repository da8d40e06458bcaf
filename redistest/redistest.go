// Package redistest connects tests to the Redis on 127.0.0.1:6379 that the
// machine and CI run. Without it a test skips, saying so; under CI=true it
// fails instead, so CI cannot pass without having run it.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Addr is where the tests' Redis listens.
const Addr = "127.0.0.1:6379"

// URL is Addr as a redis:// URL, for configuration.
const URL = "redis://" + Addr + "/0"

// Client is a client of the tests' Redis, closed when the test ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: Addr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis is not reachable at %s (CI=true: a failure, not a skip): %v", Addr, err)
		}
		t.Skipf("redis is not reachable at %s: %v", Addr, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// Prefix is a key prefix of the test's own; its keys are deleted when the
// test ends.
func Prefix(t testing.TB, client *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "amanda-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}
