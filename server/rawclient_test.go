package server

import (
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
)

// rawSocket speaks Engine.IO 4 / Socket.IO 5 over WebSocket by hand, for
// what the Node client cannot do: stop reading, or stay out of the way of a
// benchmark.
type rawSocket struct {
	t    testing.TB
	conn *websocket.Conn
}

// dialRaw connects and joins the default namespace with the session
// cookie. A positive receiveBuffer shrinks the socket's kernel buffer.
func dialRaw(t testing.TB, srv *testServer, cookie string, receiveBuffer int) *rawSocket {
	t.Helper()
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	if receiveBuffer > 0 {
		dialer.NetDial = func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
				return c.Control(func(fd uintptr) {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, receiveBuffer)
				})
			}}
			return d.Dial(network, addr)
		}
	}
	return dialRawWith(t, srv, cookie, &dialer)
}

// dialRawWith connects with dialer and joins the default namespace.
func dialRawWith(t testing.TB, srv *testServer, cookie string, dialer *websocket.Dialer) *rawSocket {
	t.Helper()
	header := http.Header{"Origin": {testOrigin}, "Cookie": {"session=" + cookie}}
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := dialer.Dial(wsURL, header)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := &rawSocket{t: t, conn: conn}
	if open := r.read(); !strings.HasPrefix(open, "0{") {
		t.Fatalf("engine open: %q", open)
	}
	r.send("40")
	if connected := r.read(); !strings.HasPrefix(connected, "40{") {
		t.Fatalf("socket connect: %q", connected)
	}
	return r
}

func (r *rawSocket) send(packet string) {
	if err := r.conn.WriteMessage(websocket.TextMessage, []byte(packet)); err != nil {
		r.t.Fatal(err)
	}
}

// read is the next packet, answering the server's pings on the way.
func (r *rawSocket) read() string {
	for {
		r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := r.conn.ReadMessage()
		if err != nil {
			r.t.Fatal(err)
		}
		if string(msg) == "2" {
			r.send("3")
			continue
		}
		return string(msg)
	}
}

// sendMessage emits send_message.
func (r *rawSocket) sendMessage(chatID int64, message string) {
	r.send(`42["send_message",{"chat_id":` + decimalString(chatID) + `,"message":"` + message + `"}]`)
}

// BenchmarkTokenFanOut streams replies of 1,000 tokens from the fake model
// (no delay) through gRPC, the reply path and Socket.IO to a WebSocket
// client; ns/token is the whole path's cost per token.
func BenchmarkTokenFanOut(b *testing.B) {
	const tokens = 1000
	srv := startChatServer(b, fakeai.Options{Tokens: tokens}, func(c *Config) { c.SocketMaxQueuedPackets = 1 << 20 })
	u := newChatUser(b, srv, "fanout@example.com")
	raw := dialRaw(b, srv, u.cookie, 0)
	b.ReportAllocs()
	cpuBefore := processCPU(b)
	for b.Loop() {
		raw.sendMessage(u.chatID, "go")
		got := 0
		for {
			msg := raw.read()
			if strings.HasPrefix(msg, `42["message_token"`) {
				got++
				continue
			}
			if strings.HasPrefix(msg, `42["message_complete"`) {
				break
			}
			b.Fatalf("unexpected packet %q", msg)
		}
		if got != tokens {
			b.Fatalf("%d tokens, want %d", got, tokens)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tokens), "ns/token")
	// Wall time is bound by the round trips of one reply at a time; the CPU
	// every token costs the process (model, service and client) is what
	// bounds throughput when many replies stream at once.
	b.ReportMetric(float64((processCPU(b)-cpuBefore).Nanoseconds())/float64(b.N*tokens), "cpu-ns/token")
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleSocketMemory opens b.N authenticated WebSocket sockets and
// holds them: ns/op is one connect, and the custom metrics are what each
// held socket costs the process once garbage is collected. The heap figure
// includes the test's own client connection, kept small (256-byte buffers).
func BenchmarkIdleSocketMemory(b *testing.B) {
	srv := startChatServer(b, fakeai.Options{Tokens: 1}, func(c *Config) { c.MaxSocketsPerUser = 1 << 20 })
	u := newChatUser(b, srv, "idle@example.com")
	dialer := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, ReadBufferSize: 256, WriteBufferSize: 256}
	before := settledMemory()
	for b.Loop() {
		dialRawWith(b, srv, u.cookie, dialer)
	}
	b.StopTimer()
	after := settledMemory()
	n := float64(b.N)
	b.ReportMetric(float64(after.stack-before.stack)/n, "stack-B/socket")
	b.ReportMetric(float64(after.heap-before.heap)/n, "heap-B/socket")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/socket")
}

type memory struct {
	stack, heap uint64
	goroutines  int
}

// settledMemory is the stack and live heap in use after the connections
// in flight have settled and two collections.
func settledMemory() memory {
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memory{stack: m.StackInuse, heap: m.HeapAlloc, goroutines: runtime.NumGoroutine()}
}
