package socketio

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

// releasingWriter is the ResponseWriter the Socket.IO engine gets for a
// WebSocket upgrade: it lets go of net/http's connection once the upgrade
// hijacks it. The engine keeps each socket's ResponseWriter for the socket's
// lifetime, and through it net/http's per-connection state, 4 KiB read and
// 4 KiB write buffers among it, that a hijacked connection never uses
// again: about 8 KiB of heap (16 KiB of RSS with the GC's headroom) per
// open socket.
//
// It forwards to net/http until Hijack, then to nothing. The hijacked
// connection of a session not signed in reads only so much.
type releasingWriter struct {
	http.ResponseWriter
	admission *admission
}

// Hijack implements http.Hijacker.
func (w *releasingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.ResponseWriter = hijacked{header: http.Header{}}
	if w.admission != nil && !w.admission.admitted() {
		conn = &strangerConn{Conn: conn, admission: w.admission, left: strangerMaxBytes}
	}
	return conn, rw, nil
}

// Flush implements http.Flusher, for a refused upgrade's answer.
func (w *releasingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// hijacked is the ResponseWriter of a connection that is no longer HTTP's.
type hijacked struct{ header http.Header }

func (h hijacked) Header() http.Header     { return h.header }
func (hijacked) Write([]byte) (int, error) { return 0, http.ErrHijacked }
func (hijacked) WriteHeader(int)           {}

// errStrangerOverBudget ends a WebSocket that sent more than a stranger may.
var errStrangerOverBudget = errors.New("socketio: a socket not signed in sent more than it may")

// strangerConn is a hijacked connection that reads at most left bytes in
// all until its session signs in, and then without limit. One goroutine
// (the WebSocket reader) reads it.
type strangerConn struct {
	net.Conn
	admission *admission
	left      int
}

func (c *strangerConn) Read(p []byte) (int, error) {
	if c.admission.admitted() {
		return c.Conn.Read(p)
	}
	if c.left <= 0 {
		return 0, errStrangerOverBudget
	}
	n, err := c.Conn.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}
