package socketio

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestReleasingWriterLetsGoOfTheConnectionAfterHijack(t *testing.T) {
	// The handler hands its writer over once done with it: the test reads
	// it only after that.
	handled := make(chan *releasingWriter, 1)
	h := releaseHijackedConns(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw, ok := w.(*releasingWriter)
		if !ok {
			t.Error("an upgrade request was not wrapped")
			handled <- nil
			return
		}
		conn, _, err := rw.Hijack()
		if err != nil {
			t.Error(err)
		} else {
			conn.Close()
		}
		handled <- rw
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	seen := <-handled
	if seen == nil {
		t.FailNow()
	}
	if _, still := seen.ResponseWriter.(hijacked); !still {
		t.Fatalf("after Hijack the writer still holds %T", seen.ResponseWriter)
	}
	if _, err := seen.Write([]byte("x")); err != http.ErrHijacked {
		t.Fatalf("write after hijack: %v", err)
	}
}
