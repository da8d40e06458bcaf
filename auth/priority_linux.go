package auth

import (
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// hashNice is the niceness of the threads that compute password hashes:
// the lowest priority, so the kernel runs streaming replies (and any other
// work) first and gives hashing the CPU time left over.
const hashNice = 19

// defaultConcurrency lets hashing use every CPU: at the lowest priority it
// only takes time that nothing else wants.
func defaultConcurrency() int { return runtime.NumCPU() }

// lowerThreadPriority sets the calling OS thread's niceness to hashNice. On
// Linux niceness belongs to a thread, not to the whole process.
func lowerThreadPriority() error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), hashNice)
}

var reserved struct {
	sync.Mutex
	procs int
}

// reserveProcs raises GOMAXPROCS so that n hashing threads, which hold a
// scheduler slot each while the kernel keeps them waiting, never leave the
// rest of the service with fewer slots than CPUs. It counts each slot once
// per process, and leaves an operator's explicit GOMAXPROCS alone.
func reserveProcs(n int) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	reserved.Lock()
	defer reserved.Unlock()
	if n > reserved.procs {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + n - reserved.procs)
		reserved.procs = n
	}
}
