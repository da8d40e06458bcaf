package lease

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/redistest"
)

func newLeases(t *testing.T, ttl time.Duration) *Leases {
	client := redistest.Client(t)
	return New(client, redistest.Prefix(t, client), ttl, 5*time.Millisecond, slog.New(slog.DiscardHandler))
}

func TestOneHolderAtATime(t *testing.T) {
	first := newLeases(t, time.Second)
	// A second instance: its own client, the same keys.
	second := New(redistest.Client(t), first.prefix, time.Second, 5*time.Millisecond, first.logger)
	ctx := context.Background()

	var mu sync.Mutex
	holding, most := 0, 0
	var wg sync.WaitGroup
	for i := range 8 {
		leases := first
		if i%2 == 1 {
			leases = second
		}
		wg.Go(func() {
			release, err := leases.Lock(ctx, 42)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			holding++
			most = max(most, holding)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			holding--
			mu.Unlock()
			release()
		})
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d holders at once", most)
	}
	// Another name is another lease.
	release, err := first.Lock(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	other, err := second.Lock(ctx, 43)
	if err != nil {
		t.Fatalf("lease 43 while 42 is held: %v", err)
	}
	other()
}

func TestALeaseIsRenewedWhileHeld(t *testing.T) {
	leases := newLeases(t, 150*time.Millisecond)
	ctx := context.Background()
	release, err := leases.Acquire(ctx, "long")
	if err != nil {
		t.Fatal(err)
	}
	// Held for three ttls: no one else may take it.
	waitCtx, cancel := context.WithTimeout(ctx, 450*time.Millisecond)
	defer cancel()
	if _, err := leases.Acquire(waitCtx, "long"); err == nil {
		t.Fatal("a renewed lease was taken by another")
	}
	release()
	next, err := leases.Acquire(ctx, "long")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	next()
}

func TestACrashedHoldersLeaseLapses(t *testing.T) {
	leases := newLeases(t, 200*time.Millisecond)
	ctx := context.Background()
	// A holder that died: its lease is there, and nobody renews it.
	if err := leases.client.Set(ctx, leases.prefix+"orphan", "dead-holder", leases.ttl).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	release, err := leases.Acquire(ctx, "orphan")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("took a live lease after %s", waited)
	}
	// The dead holder's release (or renewal) cannot touch the new lease.
	if err := releaseScript.Run(ctx, leases.client, []string{leases.prefix + "orphan"}, "dead-holder").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := leases.client.Exists(ctx, leases.prefix+"orphan").Result(); got != 1 {
		t.Fatal("another holder's token released the lease")
	}
}

func TestAcquireFailsWhenRedisIsDown(t *testing.T) {
	leases := newLeases(t, time.Second)
	leases.client.Close()
	if _, err := leases.Acquire(context.Background(), "x"); err == nil {
		t.Fatal("Acquire on a closed client gave no error")
	}
}
