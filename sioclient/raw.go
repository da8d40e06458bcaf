package sioclient

import (
	"context"
	"time"
)

// RawConn is a Socket.IO connection on namespace "/" with no reader of its
// own: the caller reads it packet by packet, and while it does not, the
// server's packets wait in the kernel's buffers and then in the server.
// It is for tests of what the server does with a client that stops
// reading, and for benchmarks that a background reader would disturb.
// Read is for one goroutine at a time; Send and Emit may run beside it.
type RawConn struct {
	q   packetQueue
	SID string // Socket.IO socket id
}

// DialRaw opens an Engine.IO session and connects to namespace "/" as
// Dial does, with the same handshake; a refusal is a *ConnectError.
func (d *Dialer) DialRaw(ctx context.Context, cookie string) (*RawConn, error) {
	s, err := d.open(ctx, cookie)
	if err != nil {
		return nil, err
	}
	s.t.setReadTimeout(s.pingWait)
	return &RawConn{q: s.packetQueue, SID: s.sid}, nil
}

// Read returns the server's next packet other than a ping, answering
// pings on the way. Each wait for the server is bounded by the read
// timeout (see SetReadTimeout); a timeout is a net.Error whose Timeout
// method reports true.
func (r *RawConn) Read() (Packet, error) {
	for {
		p, err := r.q.next()
		if err != nil {
			return Packet{}, err
		}
		ping, err := answerPing(r.q.t, p)
		if err != nil {
			return Packet{}, err
		}
		if !ping {
			return p, nil
		}
	}
}

// SetReadTimeout bounds each later wait for the server; at first it is
// the server's ping interval plus its ping timeout plus 10 seconds. Over
// WebSocket, a read that timed out leaves the connection unusable.
func (r *RawConn) SetReadTimeout(d time.Duration) { r.q.t.setReadTimeout(d) }

// Send sends one Engine.IO packet in its text form, e.g. "3" or
// `42["send_message",{"chat_id":1,"message":"hi"}]`.
func (r *RawConn) Send(packet string) error { return r.q.t.write(packet) }

// Emit sends an event with one argument, as Conn.Emit does.
func (r *RawConn) Emit(name string, payload any) error { return emit(r.q.t, name, payload) }

// Close ends the connection.
func (r *RawConn) Close() { hangUp(r.q.t) }
