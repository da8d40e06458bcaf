package auth

import (
	"context"
	"runtime"
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
	reserved.Lock()
	already := reserved.procs
	reserved.Unlock()
	before := runtime.GOMAXPROCS(0)
	defer func() {
		runtime.GOMAXPROCS(before)
		reserved.Lock()
		reserved.procs = already
		reserved.Unlock()
	}()

	NewHasher(already + 2)
	if got := runtime.GOMAXPROCS(0); got != before+2 {
		t.Fatalf("GOMAXPROCS = %d after reserving 2 more hashing slots, want %d", got, before+2)
	}
	NewHasher(1) // already covered: no change
	if got := runtime.GOMAXPROCS(0); got != before+2 {
		t.Errorf("GOMAXPROCS = %d after a smaller Hasher, want %d", got, before+2)
	}
}
