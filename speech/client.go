// Package speech is a small client of the OpenAI audio HTTP API (or any
// server offering the same endpoints): transcription of recordings and
// synthesis of speech.
package speech

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Options configure a Client; zero values take the defaults noted.
type Options struct {
	APIKey            string        // OPENAI_API_KEY; empty sends no Authorization header (local stand-ins)
	BaseURL           string        // OPENAI_BASE_URL ["https://api.openai.com/v1"]
	ASRModel          string        // ASR_MODEL ["whisper-1"]
	TTSModel          string        // TTS_MODEL ["tts-1"]
	TTSVoice          string        // TTS_VOICE ["nova"]
	TTSFormat         string        // TTS_FORMAT ["mp3"]
	TranscribeTimeout time.Duration // [60s]
	SynthesizeTimeout time.Duration // [60s]
}

// Client talks to the audio endpoints; it is safe for concurrent use.
type Client struct {
	http              *http.Client
	apiKey            string
	baseURL           string // without trailing slash
	asrModel          string
	ttsModel          string
	ttsVoice          string
	ttsFormat         string
	transcribeTimeout time.Duration
	synthesizeTimeout time.Duration
}

// New checks opts and returns a Client. A nil httpClient gets a dedicated
// client with bounded dial and TLS times; whole-call deadlines come from the
// per-action timeouts.
func New(opts Options, httpClient *http.Client) (*Client, error) {
	c := &Client{
		http:              httpClient,
		apiKey:            opts.APIKey,
		baseURL:           strings.TrimRight(or(opts.BaseURL, "https://api.openai.com/v1"), "/"),
		asrModel:          or(opts.ASRModel, "whisper-1"),
		ttsModel:          or(opts.TTSModel, "tts-1"),
		ttsVoice:          or(opts.TTSVoice, "nova"),
		ttsFormat:         or(opts.TTSFormat, "mp3"),
		transcribeTimeout: or(opts.TranscribeTimeout, 60*time.Second),
		synthesizeTimeout: or(opts.SynthesizeTimeout, 60*time.Second),
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("speech: invalid options: %w", err)
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	return c, nil
}

// Format is the TTS output format, e.g. "mp3".
func (c *Client) Format() string { return c.ttsFormat }

func (c *Client) check() error {
	u, err := url.Parse(c.baseURL)
	if err != nil {
		return fmt.Errorf("base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q is not an http(s) URL", c.baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		// Endpoint paths are appended to it, which a query would swallow.
		return fmt.Errorf("base URL %q has a query or fragment", c.baseURL)
	}
	if !ValidVoice(c.ttsVoice) {
		return fmt.Errorf("unknown TTS voice %q (want one of %s)", c.ttsVoice, strings.Join(Voices, ", "))
	}
	if !slices.Contains(ttsFormats, c.ttsFormat) {
		return fmt.Errorf("unknown TTS format %q (want one of %s)", c.ttsFormat, strings.Join(ttsFormats, ", "))
	}
	if c.transcribeTimeout < 0 || c.synthesizeTimeout < 0 {
		return errors.New("negative timeout")
	}
	return nil
}

// defaultHTTPClient bounds connection set-up so an unreachable provider
// fails fast; it has no overall timeout because uploads and answers are
// bounded by the per-action context deadlines instead.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
	}}
}

// authorize adds the bearer token, if any.
func (c *Client) authorize(req *http.Request) {
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
}

// or returns v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
