package server_test

import (
	"context"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/sioclient"
)

// rawDialer is sioclient's dialer for the test server, for what the Node
// client cannot do: stop reading, or stay out of the way of a benchmark.
func rawDialer(t testing.TB, srv *servertest.Server) *sioclient.Dialer {
	t.Helper()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &sioclient.Dialer{BaseURL: base, Origin: testOrigin, WS: &websocket.Dialer{HandshakeTimeout: 5 * time.Second}}
}

// dialRaw connects over WebSocket and joins the default namespace with the
// session cookie; the connection has no reader but the test.
func dialRaw(t testing.TB, d *sioclient.Dialer, cookie string) *sioclient.RawConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := d.DialRaw(ctx, cookie)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	raw.SetReadTimeout(10 * time.Second)
	return raw
}

// readPacket is the next packet, the server's pings answered on the way.
func readPacket(t testing.TB, raw *sioclient.RawConn) sioclient.Packet {
	t.Helper()
	p, err := raw.Read()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sendMessage emits send_message.
func sendMessage(t testing.TB, raw *sioclient.RawConn, chatID int64, message string) {
	t.Helper()
	if err := raw.Emit("send_message", map[string]any{"chat_id": chatID, "message": message}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTokenFanOut streams replies of 1,000 tokens from the fake model
// (no delay) through gRPC, the reply path and Socket.IO to a WebSocket
// client; ns/token is the whole path's cost per token.
func BenchmarkTokenFanOut(b *testing.B) {
	const tokens = 1000
	srv := startChatServer(b, fakeai.Options{Tokens: tokens}, func(c *server.Config) { c.SocketMaxQueuedPackets = 1 << 20 })
	u := newChatUser(b, srv, "fanout@example.com")
	raw := dialRaw(b, rawDialer(b, srv), u.cookie)
	b.ReportAllocs()
	cpuBefore := processCPU(b)
	for b.Loop() {
		sendMessage(b, raw, u.chatID, "go")
		got := 0
		for {
			msg := readPacket(b, raw)
			if msg.Type == sioclient.PacketMessage && strings.HasPrefix(msg.Data, `2["message_token"`) {
				got++
				continue
			}
			if msg.Type == sioclient.PacketMessage && strings.HasPrefix(msg.Data, `2["message_complete"`) {
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
	srv := startChatServer(b, fakeai.Options{Tokens: 1}, func(c *server.Config) { c.MaxSocketsPerUser = 1 << 20 })
	u := newChatUser(b, srv, "idle@example.com")
	dialer := rawDialer(b, srv)
	dialer.WS.ReadBufferSize, dialer.WS.WriteBufferSize = 256, 256
	before := settledMemory()
	for b.Loop() {
		dialRaw(b, dialer, u.cookie)
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
