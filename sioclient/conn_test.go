package sioclient

import (
	"testing"
	"time"
)

// TestConnHandle checks the reader's packet handling with a recording transport.
func TestConnHandle(t *testing.T) {
	rt := &recordingTransport{}
	c := &Conn{t: rt, Events: make(chan Event, 1), done: make(chan struct{})}
	if err := c.handle(Packet{PacketPing, ""}); err != nil || len(rt.written) != 1 || rt.written[0] != "3" {
		t.Fatalf("ping: %v, wrote %q", err, rt.written)
	}
	if err := c.handle(Packet{PacketMessage, `2["message_token",{"text":"a"}]`}); err != nil {
		t.Fatal(err)
	}
	ev := <-c.Events
	if ev.Name != "message_token" || string(ev.Data) != `{"text":"a"}` || ev.At.IsZero() {
		t.Fatalf("event %+v", ev)
	}
	// A full event channel is an overflow, not a stall.
	_ = c.handle(Packet{PacketMessage, `2["a",1]`})
	if err := c.handle(Packet{PacketMessage, `2["b",2]`}); err != ErrOverflow {
		t.Fatalf("overflow: %v", err)
	}
	if err := c.handle(Packet{PacketMessage, `1`}); err == nil {
		t.Error("socket.io disconnect not reported")
	}
	if err := c.handle(Packet{PacketClose, ""}); err == nil {
		t.Error("engine.io close not reported")
	}
	if err := c.handle(Packet{PacketNoop, ""}); err != nil {
		t.Error(err)
	}
}

type recordingTransport struct{ written []string }

func (r *recordingTransport) read([]Packet) ([]Packet, error) { select {} }
func (r *recordingTransport) write(p ...string) error {
	r.written = append(r.written, p...)
	return nil
}
func (r *recordingTransport) setReadTimeout(time.Duration) {}
func (r *recordingTransport) close()                       {}
