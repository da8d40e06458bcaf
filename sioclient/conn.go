package sioclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Event is one Socket.IO event the server sent.
type Event struct {
	Name string
	Data json.RawMessage // the first argument; nil when there is none
	At   time.Time       // when the reader received it
}

// ConnectError is the server's refusal of the namespace connect (a 44 packet).
type ConnectError struct{ Message string }

func (e *ConnectError) Error() string { return "connect_error: " + e.Message }

// ErrOverflow ends a connection whose event buffer filled up: its owner
// fell behind, and a reader that blocked would stall the pings too.
var ErrOverflow = errors.New("event buffer overflow")

// Dialer opens Socket.IO connections.
type Dialer struct {
	BaseURL   *url.URL // http://host:port
	Origin    string   // the Origin header, when not empty
	Transport string   // "websocket" (also when empty) or "polling"
	WS        *websocket.Dialer
	HTTP      *http.Client // polling
	EventBuf  int          // capacity of each Conn's event channel (8 when not positive)
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

// Conn is one Socket.IO connection on namespace "/".
type Conn struct {
	t        transport
	Events   chan Event // events from the server, in order
	SID      string     // Socket.IO socket id
	done     chan struct{}
	errMu    sync.Mutex
	err      error
	closed   atomic.Bool
	pingWait time.Duration
}

// Dial opens an Engine.IO session and connects to namespace "/" with the
// given session cookie. It returns when the server accepted (40) or refused (44).
func (d *Dialer) Dial(ctx context.Context, cookie string) (*Conn, error) {
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
	c := &Conn{t: t, done: make(chan struct{})}
	// The handshake ends when ctx does.
	stop := context.AfterFunc(ctx, t.close)
	defer stop()
	ok := false
	defer func() {
		if !ok {
			t.close()
		}
	}()
	if dl, has := ctx.Deadline(); has {
		t.setReadTimeout(time.Until(dl))
	} else {
		t.setReadTimeout(30 * time.Second)
	}
	// The open packet.
	open, rest, err := readOne(t)
	if err != nil {
		return nil, fmt.Errorf("engine.io open: %w", err)
	}
	if open.Type != eioOpen {
		return nil, fmt.Errorf("engine.io: expected open packet, got %q", open.Type)
	}
	var od eioOpenData
	if err := json.Unmarshal([]byte(open.Data), &od); err != nil {
		return nil, fmt.Errorf("engine.io open data: %w", err)
	}
	c.pingWait = time.Duration(od.PingInterval+od.PingTimeout)*time.Millisecond + 10*time.Second
	if pt, ok := t.(*pollingTransport); ok {
		pt.sid = od.SID
	}
	// Connect to namespace "/".
	if err := t.write(string([]byte{eioMessage, sioConnect})); err != nil {
		return nil, fmt.Errorf("socket.io connect: %w", err)
	}
	for {
		var p eioPacket
		if len(rest) > 0 {
			p, rest = rest[0], rest[1:]
		} else {
			p, rest, err = readOne(t)
			if err != nil {
				return nil, fmt.Errorf("socket.io connect: %w", err)
			}
		}
		switch p.Type {
		case eioPing:
			if err := t.write(string(eioPong)); err != nil {
				return nil, err
			}
			continue
		case eioNoop:
			continue
		case eioClose:
			return nil, errors.New("socket.io connect: engine.io closed by server")
		case eioMessage:
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
			c.SID = cd.SID
		case sioConnectError:
			var ce struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(sp.Data, &ce)
			return nil, &ConnectError{Message: ce.Message}
		default:
			continue // an event cannot come before the connect; ignore
		}
		break
	}
	buf := d.EventBuf
	if buf <= 0 {
		buf = 8
	}
	c.Events = make(chan Event, buf)
	// Packets that came with the connect answer (polling) go first.
	for _, p := range rest {
		if err := c.handle(p); err != nil {
			return nil, err
		}
	}
	t.setReadTimeout(c.pingWait)
	ok = true
	go c.readLoop()
	return c, nil
}

// readOne reads at least one packet and returns the first and the rest.
func readOne(t transport) (eioPacket, []eioPacket, error) {
	for {
		ps, err := t.read()
		if err != nil {
			return eioPacket{}, nil, err
		}
		if len(ps) > 0 {
			return ps[0], ps[1:], nil
		}
	}
}

// readLoop is the connection's one goroutine: it answers pings and delivers events.
func (c *Conn) readLoop() {
	var err error
	defer func() {
		c.fail(err)
		close(c.done)
		c.t.close()
	}()
	for {
		var ps []eioPacket
		ps, err = c.t.read()
		if err != nil {
			return
		}
		for _, p := range ps {
			if err = c.handle(p); err != nil {
				return
			}
		}
	}
}

// handle acts on one packet from the server.
func (c *Conn) handle(p eioPacket) error {
	switch p.Type {
	case eioPing:
		return c.t.write(string(eioPong))
	case eioClose:
		return errors.New("engine.io closed by server")
	case eioMessage:
	default:
		return nil
	}
	sp, err := parseSIOPacket(p.Data)
	if err != nil {
		return err
	}
	switch sp.Type {
	case sioDisconnect:
		return errors.New("socket.io disconnected by server")
	case sioEvent:
		name, payload, err := decodeEvent(sp.Data)
		if err != nil {
			return err
		}
		select {
		case c.Events <- Event{Name: name, Data: payload, At: time.Now()}:
		default:
			return ErrOverflow
		}
	}
	return nil
}

func (c *Conn) fail(err error) {
	c.errMu.Lock()
	if c.err == nil {
		if err == nil {
			err = errors.New("closed")
		}
		c.err = err
	}
	c.errMu.Unlock()
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while it is up).
func (c *Conn) Err() error {
	select {
	case <-c.done:
	default:
		return nil
	}
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

// Alive reports whether the connection is still up.
func (c *Conn) Alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// Emit sends an event with one argument.
func (c *Conn) Emit(name string, payload any) error {
	s, err := encodeSIOEvent(name, payload)
	if err != nil {
		return err
	}
	return c.t.write(s)
}

// Close ends the connection (the client's side) and waits for its reader.
func (c *Conn) Close() {
	if c.closed.Swap(true) {
		<-c.done
		return
	}
	c.fail(errors.New("closed by client"))
	if pt, ok := c.t.(*pollingTransport); ok {
		_ = pt.write(string(eioClose))
	}
	c.t.close()
	<-c.done
}
