package server

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// bodyDeadline bounds reading each request body to d, so a client that
// trickles a body (REST, a polling POST) is cut off on time. Requests
// without a body (long polls, WebSocket upgrades) are not limited, and the
// deadline is lifted once the body is read: a connection's read deadline
// also ends the request's context when it passes.
func bodyDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(d)) == nil {
			// net/http decides what to do with an unread body (read a little
			// more, close, or wait for a 100-continue) from its own type.
			defer func(body io.ReadCloser) { r.Body = body }(r.Body)
			r.Body = &deadlineBody{ReadCloser: r.Body, lift: sync.OnceFunc(func() { _ = rc.SetReadDeadline(time.Time{}) })}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline when the body has been read whole.
type deadlineBody struct {
	io.ReadCloser
	lift func()
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.lift()
	}
	return n, err
}
