// Package fakesio is a fake of the service's Socket.IO endpoint, Engine.IO
// v4 over WebSocket and polling, that answers send_message the way the
// service does with the fake model. It tests the clients of that endpoint
// (sioclient, the load tool) without the service. Its framing is its own,
// so that a mistake in sioclient's is not mirrored here.
package fakesio

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
)

// GoodCookie is the one session cookie the server accepts; the namespace
// connect with any other is refused with the service's connect_error.
const GoodCookie = "good"

// RefusedMessage is the connect_error message of a refused connect.
const RefusedMessage = "Connection rejected by server"

// openData is the open packet's payload: a 50 ms ping interval, so that a
// client sees pings within a test.
const openData = `{"sid":"%s","upgrades":[],"pingInterval":50,"pingTimeout":1000,"maxPayload":1000000}`

// Server is the fake endpoint; serve it at /socket.io/ (any path works).
type Server struct {
	Tokens int    // message_token events per reply
	Origin string // when not empty, requests with another Origin get 403

	pongs  atomic.Int64
	nextID atomic.Int64
	mu     sync.Mutex
	polls  map[string]chan string // polling session id → packets to send
}

// Pongs is how many pongs clients have sent.
func (f *Server) Pongs() int64 { return f.pongs.Load() }

// answer is what the server sends back to one client packet. It pings
// right after a namespace connect, so a client must answer a ping before
// its first event.
func (f *Server) answer(cookieOK bool, packet string) []string {
	switch {
	case packet == "3":
		f.pongs.Add(1)
	case packet == "40":
		if !cookieOK {
			return []string{`44{"message":"` + RefusedMessage + `"}`}
		}
		return []string{`40{"sid":"sock"}`, "2"}
	case strings.HasPrefix(packet, "42"):
		var message struct {
			ChatID  int64  `json:"chat_id"`
			Message string `json:"message"`
		}
		var args []json.RawMessage
		if json.Unmarshal([]byte(packet[2:]), &args) != nil || len(args) != 2 ||
			string(args[0]) != `"send_message"` || json.Unmarshal(args[1], &message) != nil {
			return []string{event("error", map[string]string{"message": "Invalid message data"})}
		}
		var out []string
		for _, c := range fakeai.Chunks(message.Message, f.Tokens) {
			out = append(out, event("message_token", map[string]string{"text": c}))
		}
		return append(out, event("message_complete", map[string]any{
			"message_id": f.nextID.Add(1), "full_text": fakeai.Reply(message.Message, f.Tokens),
		}))
	}
	return nil
}

// event is the Engine.IO message of a Socket.IO event.
func event(name string, payload any) string {
	b, err := json.Marshal([]any{name, payload})
	if err != nil {
		panic(err) // only the fixed payloads above reach here
	}
	return "42" + string(b)
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.Origin != "" && r.Header.Get("Origin") != f.Origin {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if r.URL.Query().Get("EIO") != "4" {
		http.Error(w, "bad EIO", http.StatusBadRequest)
		return
	}
	cookieOK := strings.Contains(r.Header.Get("Cookie"), "session="+GoodCookie)
	if r.URL.Query().Get("transport") == "websocket" {
		f.serveWebSocket(w, r, cookieOK)
		return
	}
	f.servePolling(w, r, cookieOK)
}

func (f *Server) serveWebSocket(w http.ResponseWriter, r *http.Request, cookieOK bool) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	send := func(packets ...string) {
		for _, p := range packets {
			_ = c.WriteMessage(websocket.TextMessage, []byte(p))
		}
	}
	send("0" + strings.Replace(openData, "%s", "ws1", 1))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		send(f.answer(cookieOK, string(data))...)
	}
}

func (f *Server) servePolling(w http.ResponseWriter, r *http.Request, cookieOK bool) {
	sid := r.URL.Query().Get("sid")
	f.mu.Lock()
	if f.polls == nil {
		f.polls = map[string]chan string{}
	}
	if sid == "" {
		sid = "p" + strconv.FormatInt(f.nextID.Add(1), 10)
		f.polls[sid] = make(chan string, 1024)
		f.mu.Unlock()
		io.WriteString(w, "0"+strings.Replace(openData, "%s", sid, 1))
		return
	}
	out := f.polls[sid]
	f.mu.Unlock()
	if out == nil {
		http.Error(w, "unknown sid", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		for _, p := range strings.Split(string(body), "\x1e") {
			for _, a := range f.answer(cookieOK, p) {
				out <- a
			}
		}
		io.WriteString(w, "ok")
	case http.MethodGet:
		var batch []string
		select {
		case p := <-out:
			batch = append(batch, p)
		case <-time.After(time.Second):
			batch = append(batch, "6")
		case <-r.Context().Done():
			return
		}
		for more := true; more; {
			select {
			case p := <-out:
				batch = append(batch, p)
			default:
				more = false
			}
		}
		io.WriteString(w, strings.Join(batch, "\x1e"))
	}
}
