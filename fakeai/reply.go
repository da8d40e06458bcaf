// Package fakeai is a deterministic stand-in for the AI backend: it serves
// amanda.ai.AIService over real gRPC so the chat path can be tested and load
// tested without a model.
//
// The reply to a message is predictable (see Chunks): chunk 0 is
// "Echo(<message>) Token0 ", chunk i > 0 is "Token<i> ", and the last chunk
// carries done=true together with its text. Echoing the message lets a test
// check that a reply went to the user who asked.
//
// A message can steer the fake with triggers, which are echoed like any text:
//   - "[fail-after:N]" aborts the stream with codes.Internal after N chunks
//     (N = 0 fails before the first chunk); N >= the number of chunks never fails.
//   - "[slow:MS]" waits MS milliseconds before each chunk instead of Options.Delay.
package fakeai

import (
	"strconv"
	"strings"
)

// DefaultTokens is the number of chunks per reply when Options.Tokens is not positive.
const DefaultTokens = 5

// Chunks returns the texts of the chunks the fake sends in reply to message,
// given Options.Tokens.
func Chunks(message string, tokens int) []string {
	if tokens <= 0 {
		tokens = DefaultTokens
	}
	chunks := make([]string, tokens)
	for i := range chunks {
		chunks[i] = "Token" + strconv.Itoa(i) + " "
	}
	chunks[0] = "Echo(" + message + ") " + chunks[0]
	return chunks
}

// Reply returns the full text the fake sends in reply to message.
func Reply(message string, tokens int) string {
	return strings.Join(Chunks(message, tokens), "")
}
