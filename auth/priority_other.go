//go:build !linux

package auth

import "runtime"

// defaultConcurrency leaves one CPU free of hashing where it cannot run at
// a lower priority, so a burst of logins cannot stall streaming replies.
func defaultConcurrency() int { return max(1, runtime.NumCPU()-1) }

// lowerThreadPriority does nothing where niceness is per process: lowering
// it would slow the whole service.
func lowerThreadPriority() error { return nil }

// addProc does nothing: hashing at normal priority shares the CPUs'
// scheduler slots with everything else.
func addProc() (release func()) { return func() {} }
