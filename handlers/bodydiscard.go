package handlers

import (
	"io"
	"net/http"
	"strings"
)

// maxDiscardBytes is how much of a request body the handler left unread
// (an oversized one it refused, say) is read and thrown away before the
// answer goes out, beyond the body limit: a client that sends its whole
// body before reading the answer (Python's urllib, many SDKs) would
// otherwise meet a reset connection instead of the 413. A larger body
// closes the connection unread; REQUEST_BODY_TIMEOUT bounds the reading.
const maxDiscardBytes = 8 << 20

// maxReadBytes is the most of one request body the server reads.
const maxReadBytes = maxBodyBytes + maxDiscardBytes

// discardUnreadBody reads what next left of the request body, up to
// maxReadBytes in all, so that the connection survives the answer.
func discardUnreadBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := &countingBody{ReadCloser: r.Body}
		// net/http decides what to do with what stays unread (read a little
		// more, close, or wait for a 100-continue) from the body's own type.
		defer func(original io.ReadCloser) { r.Body = original }(r.Body)
		r.Body = body
		next.ServeHTTP(w, r)
		switch {
		case r.ContentLength > maxReadBytes:
			// Known to be too large to read: closing is cheaper.
		case body.read == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue"):
			// The client waits to be told to send; reading would tell it.
		default:
			_, _ = io.CopyN(io.Discard, body, maxReadBytes-body.read)
		}
	})
}

// countingBody counts the bytes read from a request body.
type countingBody struct {
	io.ReadCloser
	read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	return n, err
}
