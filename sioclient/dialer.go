package sioclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Dialer opens Socket.IO connections: Dial for a Conn with its own reader,
// DialRaw for a RawConn the caller reads. Both share one handshake.
type Dialer struct {
	BaseURL   *url.URL          // http://host:port
	Origin    string            // the Origin header, when not empty
	Transport string            // "websocket" (also when empty) or "polling"
	WS        *websocket.Dialer // websocket.DefaultDialer when nil
	HTTP      *http.Client      // for polling; http.DefaultClient when nil
	EventBuf  int               // capacity of each Conn's event channel (8 when not positive)
	// ReceiveBuffer, when positive, is the kernel receive buffer (SO_RCVBUF)
	// of each WebSocket connection, set before it connects: with a small
	// one, a client that stops reading pushes back on the server soon. It
	// replaces WS's NetDial and NetDialContext (in a copy).
	ReceiveBuffer int
}

// wsBufferPool shares write buffers between WebSocket connections.
var wsBufferPool = &sync.Pool{}

// NewDialer is a dialer for many connections at once: 1 KiB WebSocket
// buffers with pooled write buffers, and for polling an HTTP client that
// keeps enough idle connections for maxConns sockets.
func NewDialer(base *url.URL, origin, transportName string, eventBuf int, maxConns int) *Dialer {
	ws := &websocket.Dialer{
		HandshakeTimeout: 30 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		WriteBufferPool:  wsBufferPool,
	}
	tr := &http.Transport{
		MaxIdleConns:        2*maxConns + 100,
		MaxIdleConnsPerHost: 2*maxConns + 100,
		IdleConnTimeout:     90 * time.Second,
		ReadBufferSize:      4096,
		WriteBufferSize:     4096,
		DisableCompression:  true,
	}
	return &Dialer{
		BaseURL: base, Origin: origin, Transport: transportName,
		WS: ws, HTTP: &http.Client{Transport: tr}, EventBuf: eventBuf,
	}
}

// ConnectError is the server's refusal of the namespace connect (a 44 packet).
type ConnectError struct{ Message string }

func (e *ConnectError) Error() string { return "connect_error: " + e.Message }

// packetQueue reads a transport one packet at a time: a polling GET
// answers with a batch, whose rest it keeps for the next calls.
type packetQueue struct {
	t       transport
	pending []Packet
	buf     []Packet // pending's storage, reused once it is empty
}

func (q *packetQueue) next() (Packet, error) {
	for len(q.pending) == 0 {
		ps, err := q.t.read(q.buf[:0])
		if err != nil {
			return Packet{}, err
		}
		q.buf, q.pending = ps, ps
	}
	p := q.pending[0]
	q.pending = q.pending[1:]
	return p, nil
}

// session is an Engine.IO session joined to namespace "/".
type session struct {
	packetQueue // pending: what came after the connect answer
	sid         string
	// pingWait is how long a read may wait: the server pings within its
	// interval and drops a client that does not answer within its timeout.
	pingWait time.Duration
}

// open dials the transport and joins namespace "/": the one handshake of
// Dial and DialRaw. The handshake ends when ctx does.
func (d *Dialer) open(ctx context.Context, cookie string) (*session, error) {
	var t transport
	var err error
	switch d.Transport {
	case "polling":
		t, err = d.dialPolling(cookie)
	case "websocket", "":
		t, err = d.dialWebSocket(ctx, cookie)
	default:
		err = fmt.Errorf("unknown transport %q", d.Transport)
	}
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, t.close)
	s, err := handshake(ctx, t)
	if !stop() && err == nil {
		err = fmt.Errorf("socket.io connect: %w", ctx.Err()) // t is closed
	}
	if err != nil {
		t.close()
		return nil, err
	}
	return s, nil
}

// handshake reads the open packet and connects to namespace "/".
func handshake(ctx context.Context, t transport) (*session, error) {
	if dl, has := ctx.Deadline(); has {
		t.setReadTimeout(time.Until(dl))
	} else {
		t.setReadTimeout(30 * time.Second)
	}
	s := &session{packetQueue: packetQueue{t: t}}
	open, err := s.next()
	if err != nil {
		return nil, fmt.Errorf("engine.io open: %w", err)
	}
	if open.Type != PacketOpen {
		return nil, fmt.Errorf("engine.io: expected open packet, got %q", open.Type)
	}
	var od eioOpenData
	if err := json.Unmarshal([]byte(open.Data), &od); err != nil {
		return nil, fmt.Errorf("engine.io open data: %w", err)
	}
	s.pingWait = time.Duration(od.PingInterval+od.PingTimeout)*time.Millisecond + 10*time.Second
	if pt, ok := t.(*pollingTransport); ok {
		pt.sid = od.SID
	}
	if err := t.write(string([]byte{PacketMessage, sioConnect})); err != nil {
		return nil, fmt.Errorf("socket.io connect: %w", err)
	}
	for {
		p, err := s.next()
		if err != nil {
			return nil, fmt.Errorf("socket.io connect: %w", err)
		}
		if ping, err := answerPing(t, p); ping {
			if err != nil {
				return nil, fmt.Errorf("socket.io connect: %w", err)
			}
			continue
		}
		switch p.Type {
		case PacketClose:
			return nil, errors.New("socket.io connect: engine.io closed by server")
		case PacketMessage:
		default:
			continue
		}
		sp, err := parseSIOPacket(p.Data)
		if err != nil {
			return nil, fmt.Errorf("socket.io connect: %w", err)
		}
		switch sp.Type {
		case sioConnect:
			var cd struct {
				SID string `json:"sid"`
			}
			_ = json.Unmarshal(sp.Data, &cd)
			s.sid = cd.SID
			return s, nil
		case sioConnectError:
			var ce struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(sp.Data, &ce)
			return nil, &ConnectError{Message: ce.Message}
		}
		// An event cannot come before the connect: ignore it.
	}
}

// answerPing is the client's half of the Engine.IO heartbeat: it answers
// a ping with a pong, and reports whether p was a ping.
func answerPing(t transport, p Packet) (bool, error) {
	if p.Type != PacketPing {
		return false, nil
	}
	if err := t.write(string(PacketPong)); err != nil {
		return true, fmt.Errorf("engine.io pong: %w", err)
	}
	return true, nil
}

// emit sends an event with one argument on namespace "/".
func emit(t transport, name string, payload any) error {
	s, err := encodeSIOEvent(name, payload)
	if err != nil {
		return fmt.Errorf("emit %s: %w", name, err)
	}
	return t.write(s)
}

// hangUp ends the session from the client's side. Polling says so with a
// close packet; a WebSocket says so by closing.
func hangUp(t transport) {
	if pt, ok := t.(*pollingTransport); ok {
		_ = pt.write(string(PacketClose))
	}
	t.close()
}
