package speech

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
)

var (
	// ErrInvalidInput marks requests rejected before anything was sent.
	ErrInvalidInput = errors.New("invalid input")
	// ErrProvider marks failures of the provider: non-2xx answers, network
	// errors and timeouts. Its messages are meant for logs, not for clients.
	ErrProvider = errors.New("provider error")
)

// snippetChars bounds how much of an error body ends up in a log line.
const snippetChars = 200

// statusError describes a non-2xx answer with a short snippet of its body,
// preferring OpenAI's {"error":{"message":...}} when present.
func (c *Client) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var wrapped struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	snippet := string(body)
	if json.Unmarshal(body, &wrapped) == nil && wrapped.Error.Message != "" {
		snippet = wrapped.Error.Message
	}
	return fmt.Errorf("%w: status %d: %s", ErrProvider, resp.StatusCode, c.clean(snippet))
}

// clean makes provider text safe for a single log line: the API key is
// redacted (some providers echo it back), control characters are dropped
// and the length is bounded.
func (c *Client) clean(s string) string {
	if c.apiKey != "" {
		s = strings.ReplaceAll(s, c.apiKey, "[redacted]")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > snippetChars {
		s = string(r[:snippetChars]) + "…"
	}
	return s
}
