package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
)

// fakeSIO is a tiny Engine.IO v4 / Socket.IO v5 server, both transports,
// that answers send_message like the service does with the fake model.
type fakeSIO struct {
	tokens int
	pongs  atomic.Int64
	mu     sync.Mutex
	polls  map[string]*pollSession
	nextID atomic.Int64
}

type pollSession struct {
	out  chan string
	cook string
}

const fakeOpen = `{"sid":"%s","upgrades":[],"pingInterval":50,"pingTimeout":1000,"maxPayload":1000000}`

// answer is what the server sends back to one client packet.
func (f *fakeSIO) answer(cookieOK bool, pkt string) []string {
	switch {
	case pkt == "3":
		f.pongs.Add(1)
	case pkt == "40":
		if !cookieOK {
			return []string{`44{"message":"Connection rejected by server"}`}
		}
		return []string{`40{"sid":"sock"}`, "2"} // and a ping right away
	case strings.HasPrefix(pkt, "42"):
		name, payload, err := decodeEvent(json.RawMessage(pkt[2:]))
		if err != nil || name != "send_message" {
			return []string{`42["error",{"message":"Invalid message data"}]`}
		}
		var m struct {
			ChatID  int64  `json:"chat_id"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(payload, &m)
		var out []string
		for _, c := range fakeai.Chunks(m.Message, f.tokens) {
			s, _ := encodeSIOEvent("message_token", map[string]string{"text": c})
			out = append(out, s)
		}
		s, _ := encodeSIOEvent("message_complete", map[string]any{"message_id": f.nextID.Add(1), "full_text": fakeai.Reply(m.Message, f.tokens)})
		return append(out, s)
	}
	return nil
}

func (f *fakeSIO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cookieOK := strings.Contains(r.Header.Get("Cookie"), "session=good")
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		http.Error(w, "bad EIO", http.StatusBadRequest)
		return
	}
	if q.Get("transport") == "websocket" {
		up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		var wmu sync.Mutex
		send := func(ps ...string) {
			wmu.Lock()
			defer wmu.Unlock()
			for _, p := range ps {
				_ = c.WriteMessage(websocket.TextMessage, []byte(p))
			}
		}
		send("0" + strings.Replace(fakeOpen, "%s", "ws1", 1))
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			send(f.answer(cookieOK, string(data))...)
		}
	}
	sid := q.Get("sid")
	f.mu.Lock()
	if f.polls == nil {
		f.polls = map[string]*pollSession{}
	}
	if sid == "" {
		sid = "p" + strconv.FormatInt(f.nextID.Add(1), 10)
		f.polls[sid] = &pollSession{out: make(chan string, 1024)}
		f.mu.Unlock()
		io.WriteString(w, "0"+strings.Replace(fakeOpen, "%s", sid, 1))
		return
	}
	s := f.polls[sid]
	f.mu.Unlock()
	if s == nil {
		http.Error(w, "unknown sid", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		ps, err := splitPollingPayload(string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, p := range ps {
			for _, a := range f.answer(cookieOK, encodeEIOPacket(p.Type, p.Data)) {
				s.out <- a
			}
		}
		io.WriteString(w, "ok")
	case http.MethodGet:
		var batch []string
		select {
		case p := <-s.out:
			batch = append(batch, p)
		case <-time.After(time.Second):
			batch = append(batch, "6")
		case <-r.Context().Done():
			return
		}
		for more := true; more; {
			select {
			case p := <-s.out:
				batch = append(batch, p)
			default:
				more = false
			}
		}
		io.WriteString(w, joinPollingPayload(batch...))
	}
}

func TestClientAgainstFakeServer(t *testing.T) {
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			f := &fakeSIO{tokens: 4}
			srv := httptest.NewServer(f)
			defer srv.Close()
			base, _ := url.Parse(srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			cfg := &Config{ExpectTokens: 4, VerifyText: true, ReplyTimeout: 5 * time.Second, RunID: "t", Quiet: true, base: base}
			r := &Run{cfg: cfg, out: io.Discard, start: time.Now(), summary: NewSummary("test")}
			d := newDialer(base, "http://localhost:8000", transport, r.eventBuf(), 4)

			if _, err := d.Dial(ctx, "bad"); err == nil {
				t.Fatal("a refused connect succeeded")
			} else if ce, ok := err.(*ConnectError); !ok || ce.Message != "Connection rejected by server" {
				t.Fatalf("refused connect: %v", err)
			}

			c, err := d.Dial(ctx, "good")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for j := range 3 {
				rec, ok, broken := r.exchange(ctx, c, 1, r.benchMessage(0, j))
				if !ok || broken || rec.tokens != 4 || rec.firstToken <= 0 || rec.total < rec.firstToken {
					t.Fatalf("exchange %d: ok=%v broken=%v rec=%+v failures=%v", j, ok, broken, rec, r.fails.ByKind())
				}
			}
			// The server pinged once at connect; the client answered.
			deadline := time.Now().Add(2 * time.Second)
			for f.pongs.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if f.pongs.Load() == 0 {
				t.Error("no pong")
			}
			// A wrong expectation is a counted failure.
			cfg.ExpectTokens = 5
			if _, ok, _ := r.exchange(ctx, c, 1, "x"); ok {
				t.Error("a reply with the wrong token count passed")
			}
			if k := r.fails.ByKind(); k["token_count"] != 1 || r.fails.Total() != 1 {
				t.Errorf("failures %v", k)
			}
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
