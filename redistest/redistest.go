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
	return clientOf(t, &redis.Options{Addr: Addr})
}

// Options are client options for database db of the tests' Redis, once it
// has answered; keys matching pattern are deleted now and when the test
// ends, so the test owns them.
func Options(t testing.TB, db int, keys string) *redis.Options {
	t.Helper()
	opts := &redis.Options{Addr: Addr, DB: db}
	client := clientOf(t, opts)
	deleteKeys(client, keys)
	t.Cleanup(func() { deleteKeys(client, keys) })
	return opts
}

// clientOf connects with opts, failing or skipping the test when Redis does
// not answer.
func clientOf(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	client := redis.NewClient(opts)
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
	t.Cleanup(func() { deleteKeys(client, prefix+"*") })
	return prefix
}

// deleteKeys deletes the keys matching pattern.
func deleteKeys(client *redis.Client, pattern string) {
	ctx := context.Background()
	iter := client.Scan(ctx, 0, pattern, 100).Iterator()
	for iter.Next(ctx) {
		client.Del(ctx, iter.Val())
	}
}
