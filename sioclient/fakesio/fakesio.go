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
	"slices"
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

	pongs     atomic.Int64
	nextID    atomic.Int64
	mu        sync.Mutex
	polls     map[string]chan string // polling session id → packets to send
	watching  map[int64][]*peer      // chat id → the connections watching it
	pollPeers map[string]*peer       // polling session id → its peer
}

// peer is one client connection: send queues packets to it from any goroutine.
type peer struct{ send func(packets ...string) }

// watchers is who watches chatID, but from.
func (f *Server) watchers(chatID int64, from *peer) []*peer {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*peer
	for _, p := range f.watching[chatID] {
		if p != from {
			out = append(out, p)
		}
	}
	return out
}

// forget ends every watch of p (its connection ended).
func (f *Server) forget(p *peer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for chatID, ps := range f.watching {
		f.watching[chatID] = slices.DeleteFunc(ps, func(q *peer) bool { return q == p })
	}
}

// Pongs is how many pongs clients have sent.
func (f *Server) Pongs() int64 { return f.pongs.Load() }

// answer is what the server sends back to one client packet. It pings
// right after a namespace connect, so a client must answer a ping before
// its first event.
//
// As the service does, watch_chat {chat_id} is answered with an idle
// chat_state, and from then on every turn of that chat sent by another
// connection reaches this one too: user_message, the tokens (with chat_id
// and seq), message_complete.
func (f *Server) answer(cookieOK bool, self *peer, packet string) []string {
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
		if json.Unmarshal([]byte(packet[2:]), &args) != nil || len(args) != 2 || json.Unmarshal(args[1], &message) != nil {
			return []string{event("error", map[string]string{"message": "Invalid message data"})}
		}
		switch string(args[0]) {
		case `"watch_chat"`:
			f.mu.Lock()
			if f.watching == nil {
				f.watching = map[int64][]*peer{}
			}
			f.watching[message.ChatID] = append(f.watching[message.ChatID], self)
			f.mu.Unlock()
			return []string{event("chat_state", map[string]any{"chat_id": message.ChatID, "streaming": false, "seq": 0})}
		case `"send_message"`:
		default:
			return []string{event("error", map[string]string{"message": "Invalid message data"})}
		}
		userID := f.nextID.Add(1)
		var out []string
		for i, c := range fakeai.Chunks(message.Message, f.Tokens) {
			out = append(out, event("message_token", map[string]any{"text": c, "chat_id": message.ChatID, "seq": i + 1}))
		}
		out = append(out, event("message_complete", map[string]any{
			"message_id": f.nextID.Add(1), "full_text": fakeai.Reply(message.Message, f.Tokens), "chat_id": message.ChatID,
		}))
		if watchers := f.watchers(message.ChatID, self); len(watchers) > 0 {
			turn := append([]string{event("user_message", map[string]any{
				"chat_id": message.ChatID, "message_id": userID, "content": message.Message, "timestamp": "2024-01-01T00:00:00Z",
			})}, out...)
			for _, w := range watchers {
				w.send(turn...)
			}
		}
		return out
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
	var writeMu sync.Mutex // a watched turn is written from its sender's goroutine
	self := &peer{send: func(packets ...string) {
		writeMu.Lock()
		defer writeMu.Unlock()
		for _, p := range packets {
			_ = c.WriteMessage(websocket.TextMessage, []byte(p))
		}
	}}
	defer f.forget(self)
	self.send("0" + strings.Replace(openData, "%s", "ws1", 1))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		self.send(f.answer(cookieOK, self, string(data))...)
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
	// The session's peer: one per sid, so that a watch made by one POST
	// is the same peer in the next.
	self := f.pollPeer(sid, out)
	switch r.Method {
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		for _, p := range strings.Split(string(body), "\x1e") {
			self.send(f.answer(cookieOK, self, p)...)
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

// pollPeer is the peer of polling session sid, whose packets go to out.
func (f *Server) pollPeer(sid string, out chan string) *peer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pollPeers == nil {
		f.pollPeers = map[string]*peer{}
	}
	p := f.pollPeers[sid]
	if p == nil {
		p = &peer{send: func(packets ...string) {
			for _, a := range packets {
				out <- a
			}
		}}
		f.pollPeers[sid] = p
	}
	return p
}
