package sioclient

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Event is one Socket.IO event the server sent.
type Event struct {
	Name string
	Data json.RawMessage // the first argument; nil when there is none
	At   time.Time       // when the reader received it
}

// ErrOverflow ends a connection whose event buffer filled up: its owner
// fell behind, and a reader that blocked would stall the pings too.
var ErrOverflow = errors.New("event buffer overflow")

// Conn is one Socket.IO connection on namespace "/", read by its own
// goroutine: it answers pings and delivers events to Events.
type Conn struct {
	t      transport
	Events chan Event // events from the server, in order
	SID    string     // Socket.IO socket id
	done   chan struct{}
	errMu  sync.Mutex
	err    error
	closed atomic.Bool
}

// Dial opens an Engine.IO session and connects to namespace "/" with the
// given session cookie. It returns when the server accepted (40) or
// refused (44, a *ConnectError); the connection's one goroutine then
// answers pings and delivers events to Events.
func (d *Dialer) Dial(ctx context.Context, cookie string) (*Conn, error) {
	s, err := d.open(ctx, cookie)
	if err != nil {
		return nil, err
	}
	buf := d.EventBuf
	if buf <= 0 {
		buf = 8
	}
	c := &Conn{t: s.t, SID: s.sid, Events: make(chan Event, buf), done: make(chan struct{})}
	// Packets that came with the connect answer (polling) go first.
	for _, p := range s.pending {
		if err := c.handle(p); err != nil {
			s.t.close()
			return nil, err
		}
	}
	s.t.setReadTimeout(s.pingWait)
	go c.readLoop()
	return c, nil
}

// readLoop is the connection's one goroutine: it answers pings and delivers events.
func (c *Conn) readLoop() {
	var err error
	defer func() {
		c.fail(err)
		close(c.done)
		c.t.close()
	}()
	var ps []Packet
	for {
		ps, err = c.t.read(ps[:0])
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
func (c *Conn) handle(p Packet) error {
	if ping, err := answerPing(c.t, p); ping {
		return err
	}
	switch p.Type {
	case PacketClose:
		return errors.New("engine.io closed by server")
	case PacketMessage:
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
	return emit(c.t, name, payload)
}

// Close ends the connection (the client's side) and waits for its reader.
func (c *Conn) Close() {
	if c.closed.Swap(true) {
		<-c.done
		return
	}
	c.fail(errors.New("closed by client"))
	hangUp(c.t)
	<-c.done
}
