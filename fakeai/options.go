package fakeai

import (
	"regexp"
	"strconv"
	"time"
)

// Options shape every reply of a fake server.
type Options struct {
	// Tokens is the number of chunks per reply; DefaultTokens if not positive.
	Tokens int
	// Delay is the time between chunks: chunk i is due Delay·(i+1) after the
	// request, like a model generating at a steady rate.
	Delay time.Duration
	// FailAfter aborts each stream with codes.Internal after that many
	// chunks; 0 never fails.
	FailAfter int
}

var (
	failAfterTrigger = regexp.MustCompile(`\[fail-after:(\d+)\]`)
	slowTrigger      = regexp.MustCompile(`\[slow:(\d+)\]`)
)

// plan is how one reply is sent.
type plan struct {
	chunks    []string
	delay     time.Duration
	failAfter int // -1: never
}

// planFor applies the triggers in message on top of opts.
func planFor(opts Options, message string) plan {
	p := plan{
		chunks:    Chunks(message, opts.Tokens),
		delay:     opts.Delay,
		failAfter: -1,
	}
	if opts.FailAfter > 0 {
		p.failAfter = opts.FailAfter
	}
	if n, ok := trigger(failAfterTrigger, message); ok {
		p.failAfter = n
	}
	if ms, ok := trigger(slowTrigger, message); ok {
		p.delay = time.Duration(ms) * time.Millisecond
	}
	return p
}

// trigger returns the number in the first match of re in message.
func trigger(re *regexp.Regexp, message string) (int, bool) {
	m := re.FindStringSubmatch(message)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil // a number too large for int is no trigger
}
