package server_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server/servertest"
)

// socketDriver is the directory of the Node.js driver of socket.io-client
// 4.5.4, the browser client's own library.
const socketDriver = "../testdata/socketio"

// sioEvent is one event the client received.
type sioEvent struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// field decodes one field of the event's object payload.
func (e sioEvent) field(t *testing.T, name string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Data, &m); err != nil {
		t.Fatalf("%s payload %s is not an object", e.Event, e.Data)
	}
	return m[name]
}

// sioClient is a real socket.io-client 4.5.4 run by Node.
type sioClient struct {
	t      *testing.T
	stdin  *json.Encoder
	events chan sioEvent
}

// newSIOClient starts a Node driver; it ends with the test.
func newSIOClient(t *testing.T) *sioClient {
	t.Helper()
	if _, err := os.Stat(filepath.Join(socketDriver, "node_modules", "socket.io-client")); err != nil {
		t.Fatalf("socket.io-client is not installed: run `npm ci --prefix testdata/socketio` (%v)", err)
	}
	cmd := exec.Command("node", "driver.mjs")
	cmd.Dir = socketDriver
	cmd.Stderr = servertest.LogWriter{T: t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	c := &sioClient{t: t, stdin: json.NewEncoder(stdin), events: make(chan sioEvent, 4096)}
	go func() {
		defer close(c.events)
		scanner := bufio.NewScanner(stdout)
		scanner.Buffer(make([]byte, 1<<20), 64<<20)
		for scanner.Scan() {
			var e sioEvent
			if json.Unmarshal(scanner.Bytes(), &e) == nil {
				c.events <- e
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return c
}

func (c *sioClient) send(cmd map[string]any) {
	c.t.Helper()
	if err := c.stdin.Encode(cmd); err != nil {
		c.t.Fatalf("driver: %v", err)
	}
}

// connect opens a socket to srv with the given session cookie value.
func (c *sioClient) connect(srv *servertest.Server, cookie, origin string, transports ...string) {
	header := ""
	if cookie != "" {
		header = "session=" + cookie
	}
	c.send(map[string]any{"op": "connect", "url": srv.URL, "cookie": header, "origin": origin, "transports": transports})
}

// mustConnect connects and fails unless the server accepts.
func (c *sioClient) mustConnect(srv *servertest.Server, cookie string, transports ...string) {
	c.t.Helper()
	c.connect(srv, cookie, testOrigin, transports...)
	if e := c.next(); e.Event != "connect" {
		c.t.Fatalf("connect: got %s %s", e.Event, e.Data)
	}
}

func (c *sioClient) emit(event string, data any) {
	c.send(map[string]any{"op": "emit", "event": event, "data": data})
}

// sendMessage emits send_message for the chat.
func (c *sioClient) sendMessage(chatID int64, message string) {
	c.emit("send_message", map[string]any{"chat_id": chatID, "message": message})
}

func (c *sioClient) disconnect() { c.send(map[string]any{"op": "disconnect"}) }

// next is the next event, failing after a generous wait.
func (c *sioClient) next() sioEvent {
	c.t.Helper()
	return c.nextWithin(20 * time.Second)
}

// nextWithin is the next event, failing after wait.
func (c *sioClient) nextWithin(wait time.Duration) sioEvent {
	c.t.Helper()
	select {
	case e, ok := <-c.events:
		if !ok {
			c.t.Fatal("the Node driver exited")
		}
		checkAgainstAsyncAPI(c.t, e)
		return e
	case <-time.After(wait):
		c.t.Fatalf("no Socket.IO event within %s", wait)
	}
	return sioEvent{}
}

// until collects events up to and including the first named one.
func (c *sioClient) until(name string) []sioEvent {
	c.t.Helper()
	var seen []sioEvent
	for {
		e := c.next()
		seen = append(seen, e)
		if e.Event == name {
			return seen
		}
	}
}

// sendUntilReplied sends message until a reply streams back, for a backend
// that is coming back: every attempt that fails must fail with an error
// event, and the first reply must arrive within wait.
func (c *sioClient) sendUntilReplied(chatID int64, message string, wait time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		c.sendMessage(chatID, message)
		e := c.next()
		if e.Event == "message_token" {
			c.until("message_complete")
			return
		}
		if e.Event != "error" || time.Now().After(deadline) {
			c.t.Fatalf("no recovery: %s %s", e.Event, e.Data)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
