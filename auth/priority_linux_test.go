package auth

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// threadNice returns the calling thread's niceness (the kernel reports
// 20 - nice).
func threadNice(t *testing.T) int {
	t.Helper()
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - prio
}

func TestHashingRunsAtLowestPriority(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadNice(t)

	var inside int
	if err := NewHasher(1).do(context.Background(), func() { inside = threadNice(t) }); err != nil {
		t.Fatal(err)
	}
	if inside != hashNice {
		t.Errorf("hashing thread niceness = %d, want %d", inside, hashNice)
	}
	if after := threadNice(t); after != before {
		t.Errorf("caller's niceness changed from %d to %d", before, after)
	}
}

func TestHashingThreadsHaveSlotsOfTheirOwn(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	runtime.SetDefaultGOMAXPROCS()
	base := runtime.GOMAXPROCS(0)
	h := NewHasher(2)
	both := make(chan struct{})
	var started sync.WaitGroup
	started.Add(2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			err := h.do(context.Background(), func() {
				started.Done()
				<-both // both hashes run at once
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	started.Wait()
	if got := runtime.GOMAXPROCS(0); got != base+2 {
		t.Errorf("GOMAXPROCS = %d with two hashes running, want %d", got, base+2)
	}
	close(both)
	wg.Wait()
	if got := runtime.GOMAXPROCS(0); got != base {
		t.Errorf("GOMAXPROCS = %d once hashing ended, want %d", got, base)
	}
}
