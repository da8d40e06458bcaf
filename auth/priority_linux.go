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

// running counts the hashes being computed, each given a scheduler slot
// (a P) of its own for as long as it runs: a hashing thread holds its slot
// while the kernel keeps it waiting, and without the extra slot the rest of
// the service would have fewer slots than CPUs. Slots are added only while
// hashing because a larger GOMAXPROCS also widens garbage collection.
var running struct {
	sync.Mutex
	n    int
	base int // GOMAXPROCS before the first of the running hashes
}

// addProc adds a scheduler slot for one hash and returns its release. An
// operator's explicit GOMAXPROCS is left alone.
func addProc() (release func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	running.Lock()
	defer running.Unlock()
	if running.n == 0 {
		running.base = runtime.GOMAXPROCS(0)
	}
	running.n++
	runtime.GOMAXPROCS(running.base + running.n)
	return func() {
		running.Lock()
		defer running.Unlock()
		running.n--
		if running.n == 0 {
			// Back to the runtime's own choice, which follows CPU quota changes.
			runtime.SetDefaultGOMAXPROCS()
			return
		}
		runtime.GOMAXPROCS(running.base + running.n)
	}
}
