package sioclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/sioclient/fakesio"
)

// readReply reads one reply packet by packet: tokens message_token events,
// then message_complete with the fake model's reply to message.
func readReply(t *testing.T, r *RawConn, message string, tokens int) {
	t.Helper()
	for n := 0; ; {
		p, err := r.Read()
		if err != nil {
			t.Fatalf("after %d tokens: %v", n, err)
		}
		switch {
		case p.Type == PacketNoop: // a polling GET that waited long enough
		case p.Type == PacketMessage && strings.HasPrefix(p.Data, `2["message_token",`):
			n++
		case p.Type == PacketMessage && strings.HasPrefix(p.Data, `2["message_complete",`):
			if n != tokens || !strings.Contains(p.Data, `"full_text":"`+fakeai.Reply(message, tokens)+`"`) {
				t.Fatalf("%d tokens, then %s", n, p)
			}
			return
		default:
			t.Fatalf("unexpected packet %q", p)
		}
	}
}

func TestDialRawAgainstFakeServer(t *testing.T) {
	const tokens = 3
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			fake, base := startFake(t, tokens)
			ctx := testContext(t)
			d := &Dialer{BaseURL: base, Origin: testOrigin, Transport: transport}

			if _, err := d.DialRaw(ctx, "bad"); err == nil {
				t.Fatal("a refused connect succeeded")
			} else if ce := (*ConnectError)(nil); !errors.As(err, &ce) || ce.Message != fakesio.RefusedMessage {
				t.Fatalf("refused connect: %v", err)
			}

			r, err := d.DialRaw(ctx, fakesio.GoodCookie)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.SID != "sock" {
				t.Errorf("SID %q", r.SID)
			}
			// The fake pings right after the connect: Read answers it and
			// returns the reply's packets only.
			if err := r.Emit("send_message", map[string]any{"chat_id": 1, "message": "emitted"}); err != nil {
				t.Fatal(err)
			}
			readReply(t, r, "emitted", tokens)
			waitForPong(t, fake)
			if err := r.Send(`42["send_message",{"chat_id":1,"message":"sent"}]`); err != nil {
				t.Fatal(err)
			}
			readReply(t, r, "sent", tokens)

			// Nothing more comes: the read timeout ends the wait.
			r.SetReadTimeout(50 * time.Millisecond)
			var ne net.Error
			if p, err := r.Read(); !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("read with nothing to read: %q, %v; want a timeout", p, err)
			}
		})
	}
}

// TestDialRawWebSocketOptions checks that the caller's websocket.Dialer is
// used and left as it is, and that ReceiveBuffer shrinks the socket's
// kernel buffer.
func TestDialRawWebSocketOptions(t *testing.T) {
	_, base := startFake(t, 1)
	ctx := testContext(t)
	dials := 0
	ws := &websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials++
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	d := &Dialer{BaseURL: base, Origin: testOrigin, WS: ws}
	plain, err := d.DialRaw(ctx, fakesio.GoodCookie)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if dials != 1 {
		t.Fatalf("the custom dialer dialled %d times, want 1", dials)
	}

	const size = 4096
	d.ReceiveBuffer = size
	small, err := d.DialRaw(ctx, fakesio.GoodCookie)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	if dials != 1 || ws.NetDialContext == nil || ws.NetDial != nil {
		t.Error("ReceiveBuffer changed the caller's websocket.Dialer")
	}
	plainSize, smallSize := receiveBufferOf(t, plain), receiveBufferOf(t, small)
	// Linux doubles the size asked for, for its bookkeeping.
	if smallSize > 2*size || smallSize >= plainSize {
		t.Errorf("SO_RCVBUF %d with ReceiveBuffer %d, %d without", smallSize, size, plainSize)
	}

	d.Transport = "polling"
	if _, err := d.DialRaw(ctx, fakesio.GoodCookie); err == nil {
		t.Error("ReceiveBuffer accepted over polling")
	}
}

// receiveBufferOf is the SO_RCVBUF of r's WebSocket.
func receiveBufferOf(t *testing.T, r *RawConn) int {
	t.Helper()
	raw, err := r.q.t.(*wsTransport).conn.NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size int
	var sockErr error
	if err := raw.Control(func(fd uintptr) {
		size, sockErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil || sockErr != nil {
		t.Fatal(err, sockErr)
	}
	return size
}
