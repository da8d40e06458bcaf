package speech

import (
	"errors"
	"testing"

	"github.com/amanda-platform/amanda-backend/speech/speechtest"
)

const testKey = "sk-test-0123456789abcdef"

// newFake starts a fake speech server that expects testKey.
func newFake(t *testing.T, opts speechtest.Options) *speechtest.Server {
	t.Helper()
	opts.APIKey = testKey
	return speechtest.New(t, opts)
}

// newClient returns a client of srv; edit adjusts the options first.
func newClient(t *testing.T, srv *speechtest.Server, edit func(*Options)) *Client {
	t.Helper()
	opts := Options{APIKey: testKey, BaseURL: srv.URL}
	if edit != nil {
		edit(&opts)
	}
	c, err := New(opts, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// wantErr fails unless err wraps target.
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want one wrapping %v", err, target)
	}
}

// oneRequest returns the only request srv received.
func oneRequest(t *testing.T, srv *speechtest.Server) speechtest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server received %d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}
