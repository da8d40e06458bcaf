package sioclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/sioclient/fakesio"
)

const testOrigin = "http://localhost:8000"

// transports are the two the Dialer speaks.
var transports = []string{"websocket", "polling"}

// startFake serves a fake endpoint that streams replies of tokens tokens
// and accepts only testOrigin.
func startFake(t *testing.T, tokens int) (*fakesio.Server, *url.URL) {
	t.Helper()
	fake := &fakesio.Server{Tokens: tokens, Origin: testOrigin}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return fake, base
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitForPong waits until the fake has seen a client's pong.
func waitForPong(t *testing.T, fake *fakesio.Server) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for fake.Pongs() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if fake.Pongs() == 0 {
		t.Error("no pong")
	}
}

func TestDialAgainstFakeServer(t *testing.T) {
	const tokens = 4
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			fake, base := startFake(t, tokens)
			ctx := testContext(t)
			d := NewDialer(base, testOrigin, transport, tokens+2, 4)

			if _, err := d.Dial(ctx, "bad"); err == nil {
				t.Fatal("a refused connect succeeded")
			} else if ce := (*ConnectError)(nil); !errors.As(err, &ce) || ce.Message != fakesio.RefusedMessage {
				t.Fatalf("refused connect: %v", err)
			}
			other := *d
			other.Origin = "http://elsewhere.example"
			if c, err := other.Dial(ctx, fakesio.GoodCookie); err == nil {
				c.Close()
				t.Fatal("the Origin header was not sent")
			}

			c, err := d.Dial(ctx, fakesio.GoodCookie)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.SID != "sock" {
				t.Errorf("SID %q", c.SID)
			}
			for j := range 3 {
				message := "message " + string(rune('a'+j))
				emitted := time.Now()
				if err := c.Emit("send_message", map[string]any{"chat_id": 1, "message": message}); err != nil {
					t.Fatal(err)
				}
				var text strings.Builder
				for n := 0; ; n++ {
					ev := <-c.Events
					if ev.At.Before(emitted) {
						t.Fatalf("event %s stamped before the emit", ev.Name)
					}
					if ev.Name == "message_complete" {
						var done struct {
							FullText string `json:"full_text"`
						}
						if err := json.Unmarshal(ev.Data, &done); err != nil || n != tokens ||
							done.FullText != text.String() || done.FullText != fakeai.Reply(message, tokens) {
							t.Fatalf("reply %d: %d tokens %q, complete %s (%v)", j, n, text.String(), ev.Data, err)
						}
						break
					}
					tok, ok := TokenText(ev.Data)
					if ev.Name != "message_token" || !ok {
						t.Fatalf("event %s %s", ev.Name, ev.Data)
					}
					text.WriteString(tok)
				}
			}
			// The server pinged once at connect; the reader answered.
			waitForPong(t, fake)
			if !c.Alive() {
				t.Errorf("connection ended: %v", c.Err())
			}
			c.Close()
			if c.Alive() || c.Err() == nil {
				t.Error("closed connection still alive")
			}
		})
	}
}

// A reader that falls behind ends the connection with ErrOverflow instead
// of stalling it.
func TestSlowConsumerOverflows(t *testing.T) {
	_, base := startFake(t, 20)
	c, err := NewDialer(base, testOrigin, "websocket", 4, 1).Dial(testContext(t), fakesio.GoodCookie)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Emit("send_message", map[string]any{"chat_id": 1, "message": "flood"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a full event buffer did not end the connection")
	}
	if !errors.Is(c.Err(), ErrOverflow) {
		t.Fatalf("ended with %v, want ErrOverflow", c.Err())
	}
}
