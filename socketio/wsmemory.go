package socketio

import (
	"bufio"
	"net"
	"net/http"
	"strings"
)

// releaseHijackedConns hands the Socket.IO engine a ResponseWriter that lets
// go of net/http's connection once a WebSocket upgrade hijacks it. The
// engine keeps each socket's ResponseWriter for the socket's lifetime, and
// through it net/http's per-connection state, 4 KiB read and 4 KiB write
// buffers among it, that a hijacked connection never uses again: about
// 8 KiB of heap (16 KiB of RSS with the GC's headroom) per open socket.
func releaseHijackedConns(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		rw := &releasingWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
	})
}

// releasingWriter forwards to net/http until Hijack, then to nothing.
type releasingWriter struct {
	http.ResponseWriter
}

// Hijack implements http.Hijacker.
func (w *releasingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		w.ResponseWriter = hijacked{header: http.Header{}}
	}
	return conn, rw, err
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
