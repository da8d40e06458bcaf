package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server/servertest"
)

// testOrigin is where the browser client's pages come from.
const testOrigin = "http://localhost:8000"

// browser is an HTTP client that keeps cookies, as the web client does.
type browser struct {
	t      testing.TB
	base   string
	client *http.Client
}

func newBrowser(t testing.TB, srv *servertest.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: srv.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// do sends body (nil for none) as JSON from the client's origin.
func (b *browser) do(method, path string, body any) response {
	b.t.Helper()
	return b.doWithHeader(method, path, body, nil)
}

// doWithHeader is do with extra request headers.
func (b *browser) doWithHeader(method, path string, body any, header http.Header) response {
	b.t.Helper()
	var reader io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(v)
	case []byte:
		reader = bytes.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, reader)
	if err != nil {
		b.t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	req.Header.Set("Origin", testOrigin)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	checkAgainstOpenAPI(b.t, req, resp, raw)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 && json.Unmarshal(raw, &out.Body) != nil {
		b.t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
	}
	return out
}

// signup creates an account and leaves the browser logged in as it.
func (b *browser) signup(email, password string) int64 {
	b.t.Helper()
	r := b.do("POST", "/api/auth/signup", map[string]string{"email": email, "password": password})
	if r.Status != http.StatusCreated {
		b.t.Fatalf("signup %s: %d %s", email, r.Status, r.Raw)
	}
	return int64(r.Body["user_id"].(float64))
}

// createChat makes a chat and returns its id.
func (b *browser) createChat() int64 {
	b.t.Helper()
	r := b.do("POST", "/api/chat/create", nil)
	if r.Status != http.StatusCreated {
		b.t.Fatalf("create chat: %d %s", r.Status, r.Raw)
	}
	return int64(r.Body["chat_id"].(float64))
}

// sessionCookie is the browser's current session cookie value.
func (b *browser) sessionCookie() string {
	for _, c := range b.client.Jar.Cookies(mustParseURL(b.t, b.base)) {
		if c.Name == "session" {
			return c.Value
		}
	}
	return ""
}

// expect checks status and, when message is not empty, the contract's message.
func expect(t testing.TB, r response, status int, message string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Raw)
	}
	if message == "" {
		return
	}
	if r.Body["success"] != false || r.Body["message"] != message {
		t.Fatalf("body %s, want {success: false, message: %q}", r.Raw, message)
	}
}
