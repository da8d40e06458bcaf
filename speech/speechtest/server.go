// Package speechtest runs a fake OpenAI-compatible speech server for tests.
// It checks each request the way the real API does, records what it
// received, and answers with canned transcripts and audio.
package speechtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultAudio is what /audio/speech returns when Options.Audio is nil:
// an ID3 tag start, so it looks like the head of an mp3, then a marker.
var DefaultAudio = []byte("ID3\x04\x00\x00\x00\x00\x00\x00speechtest-fake-audio")

// Options shape every answer of a Server.
type Options struct {
	// APIKey is the required bearer token; a mismatch answers 401. Empty
	// means no Authorization header is expected, as with local stand-ins.
	APIKey string
	// Transcript is the text of every transcription ("" answers {"text": ""}).
	Transcript string
	// Delay is the wait before answering; it ends early if the client goes away.
	Delay time.Duration
	// FailTranscribe and FailSynthesize are HTTP statuses to answer valid
	// requests with (e.g. 500); 0 succeeds.
	FailTranscribe, FailSynthesize int
	// Audio is returned by /audio/speech; nil means DefaultAudio.
	Audio []byte
}

// Request is what the server received, recorded whether or not it was accepted.
type Request struct {
	Method string
	Path   string
	// Status is the HTTP status the server decided to answer with.
	Status int
	// Model is the "model" form field or JSON member.
	Model string
	// Filename, ContentType and Audio describe the uploaded file part of a
	// transcription; AudioBytes is len(Audio).
	Filename    string
	ContentType string
	Audio       []byte
	AudioBytes  int
	// Fields are the other form fields of a transcription (e.g. response_format).
	Fields map[string]string
	// JSON is the decoded body of a speech request.
	JSON map[string]any
}

// Server is a running fake; URL is its base URL, ending in /v1, ready to be
// used as OPENAI_BASE_URL.
type Server struct {
	URL string

	opts     Options
	mu       sync.Mutex
	requests []Request
}

// New starts a Server that is shut down when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Audio == nil {
		opts.Audio = DefaultAudio
	}
	s := &Server{opts: opts}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		// Cut connections still waiting out a Delay so Close does not block.
		ts.CloseClientConnections()
		ts.Close()
	})
	s.URL = ts.URL + "/v1"
	return s
}

// Requests returns what the server received so far, in order. The maps and
// slices inside are shared; do not modify them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP checks and records the request before any delay, so a client
// that gave up waiting still finds it in Requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path}
	a := s.answer(w, r, &rec)
	rec.Status = a.status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	if s.opts.Delay > 0 {
		timer := time.NewTimer(s.opts.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
	}
	a.write(w)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, rec *Request) answer {
	var handle func(http.ResponseWriter, *http.Request, *Request) answer
	switch r.URL.Path {
	case "/v1/audio/transcriptions":
		handle = s.transcription
	case "/v1/audio/speech":
		handle = s.speech
	default:
		return fail(http.StatusNotFound, "invalid_request_error", "Invalid URL ("+r.Method+" "+r.URL.Path+")")
	}
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, "invalid_request_error", "Method not allowed; use POST")
	}
	want := ""
	if s.opts.APIKey != "" {
		want = "Bearer " + s.opts.APIKey
	}
	if got := r.Header.Get("Authorization"); got != want {
		// Unlike OpenAI, which masks it, the key is echoed whole so tests
		// catch clients that put provider messages in errors unredacted.
		return fail(http.StatusUnauthorized, "invalid_request_error",
			"Incorrect API key provided: "+bearer(got)+". You can find your API key at https://platform.openai.com/account/api-keys.")
	}
	return handle(w, r, rec)
}

// bearer returns the token of an Authorization header value.
func bearer(h string) string {
	token, _ := strings.CutPrefix(h, "Bearer ")
	return token
}
