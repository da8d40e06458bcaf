package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server/servertest"
)

// loginHead is the head of a POST /api/auth/login, with extra header lines.
func loginHead(lines ...string) string {
	return "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + strings.Join(lines, "") + "\r\n"
}

// chunked is body in the chunked transfer coding, in 64 KiB chunks.
func chunked(body []byte) []byte {
	var out bytes.Buffer
	for chunk := range slicesChunk(body, 64<<10) {
		fmt.Fprintf(&out, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	out.WriteString("0\r\n\r\n")
	return out.Bytes()
}

// slicesChunk yields body in pieces of at most n bytes.
func slicesChunk(body []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(body) > 0 {
			piece := body[:min(n, len(body))]
			body = body[len(piece):]
			if !yield(piece) {
				return
			}
		}
	}
}

// readTooLarge reads the next response from br and checks it is the
// contract's 413.
func readTooLarge(t *testing.T, br *bufio.Reader) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("answer %d: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || body["success"] != false || body["message"] != "Request body too large" {
		t.Fatalf("answer %d %v, want 413 {success: false, message: Request body too large}", resp.StatusCode, body)
	}
}

// A client that sends its whole oversized body before reading (Python's
// urllib) gets the 413, and the connection goes on serving.
func TestOversizedBodySentWholeGetsItsAnswer(t *testing.T) {
	srv := servertest.StartSQLite(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	body := bytes.Repeat([]byte("x"), 3<<20)
	for name, request := range map[string][]byte{
		"Content-Length": append([]byte(loginHead(fmt.Sprintf("Content-Length: %d\r\n", len(body)))), body...),
		"chunked":        append([]byte(loginHead("Transfer-Encoding: chunked\r\n")), chunked(body)...),
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write(request); err != nil {
				t.Fatalf("sending the request whole: %v", err)
			}
			// Read late, as over a slow link: past the 500 ms net/http waits
			// before it closes a connection whose body it left unread, which
			// resets it and can take the answer with it.
			time.Sleep(time.Second)
			br := bufio.NewReader(conn)
			readTooLarge(t, br)
			if _, err := io.WriteString(conn, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("the next request on the connection: %v %v", resp, err)
			}
			resp.Body.Close()
		})
	}
}

// A body far beyond what is discarded is not read whole: the server closes
// the connection while the client is still sending.
func TestBodyFarBeyondTheLimitIsNotRead(t *testing.T) {
	srv := servertest.StartSQLite(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	const size = 64 << 20
	body := bytes.Repeat([]byte("x"), size)
	for name, request := range map[string][]byte{
		"Content-Length": append([]byte(loginHead(fmt.Sprintf("Content-Length: %d\r\n", size))), body...),
		"chunked":        append([]byte(loginHead("Transfer-Encoding: chunked\r\n")), chunked(body)...),
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			sent := 0
			for piece := range slicesChunk(request, 64<<10) {
				n, err := conn.Write(piece)
				sent += n
				if err != nil {
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						t.Fatalf("after %d MiB the server neither reads nor closes: %v", sent>>20, err)
					}
					break
				}
			}
			// What was sent fits in what the server reads (9 MiB) and the
			// two sockets' buffers; all of it means the server read it all.
			if sent >= 32<<20 {
				t.Fatalf("sent %d MiB of %d before the server closed, want it closed within 32 MiB", sent>>20, len(request)>>20)
			}
		})
	}
}

// A client that waits for 100 Continue is answered 413 at once, without
// being asked for the body.
func TestOversizedBodyAwaitingContinueIsNotAskedFor(t *testing.T) {
	srv := servertest.StartSQLite(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, loginHead("Content-Length: 3145728\r\n", "Expect: 100-continue\r\n")); err != nil {
		t.Fatal(err)
	}
	readTooLarge(t, bufio.NewReader(conn))
}

// The body limit is 1 MiB exactly.
func TestBodyLimitIsOneMiB(t *testing.T) {
	srv := servertest.StartSQLite(t)
	for size, want := range map[int]int{1 << 20: http.StatusBadRequest, 1<<20 + 1: http.StatusRequestEntityTooLarge} {
		body := `{"email": "", "password": ""}`
		body += strings.Repeat(" ", size-len(body))
		resp, err := http.Post(srv.URL+"/api/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a body of %d bytes: %d, want %d", size, resp.StatusCode, want)
		}
	}
}

// A client that trickles an oversized body is answered and cut off at the
// body timeout, not read on for as long as it trickles.
func TestTrickledOversizedBodyIsCutOff(t *testing.T) {
	srv := servertest.StartSQLite(t, withShortTimeouts)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, loginHead("Content-Length: 3145728\r\n")+strings.Repeat(" ", 1024)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(conn)
	readTooLarge(t, br)
	if !closedWithin(conn, 2*time.Second) {
		t.Fatal("the connection of a trickled oversized body is still open after the body timeout")
	}
}
