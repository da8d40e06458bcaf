package socketio

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

func TestReleasingWriterLetsGoOfTheConnectionAfterHijack(t *testing.T) {
	// The handler hands its writer over once done with it: the test reads
	// it only after that.
	handled := make(chan *releasingWriter, 1)
	h := testServer().guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// testServer is a Server with what its HTTP guard needs and no limits.
func testServer() *Server {
	return &Server{Config: Config{Limits: &ratelimit.Limits{}, Metrics: metrics.New(), MaxPendingSessions: 100}}
}

func TestStrangerConnReadsLittleUntilAdmitted(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	adm := &admission{}
	conn := &strangerConn{Conn: server, admission: adm, left: 10}
	go func() { _, _ = client.Write(bytes.Repeat([]byte("x"), 64)) }()
	buf := make([]byte, 64)
	got := 0
	for got < 10 {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("within the budget: %v", err)
		}
		got += n
	}
	if got != 10 {
		t.Fatalf("read %d bytes, the budget is 10", got)
	}
	if _, err := conn.Read(buf); !errors.Is(err, errStrangerOverBudget) {
		t.Fatalf("over the budget: %v", err)
	}
	adm.state.Store(admissionAdmitted)
	if n, err := conn.Read(buf); err != nil || n == 0 {
		t.Fatalf("admitted: %d, %v", n, err)
	}
}
