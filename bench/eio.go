package main

// A minimal Socket.IO v5 client over Engine.IO v4, WebSocket or HTTP long
// polling, written for load: one reader goroutine per connection and small
// buffers, so ten thousand of them fit in a modest client process.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Engine.IO v4 packet types (the first character of a packet).
const (
	eioOpen    = '0'
	eioClose   = '1'
	eioPing    = '2'
	eioPong    = '3'
	eioMessage = '4'
	eioUpgrade = '5'
	eioNoop    = '6'
)

// Socket.IO v5 packet types (the first character of an Engine.IO message).
const (
	sioConnect      = '0'
	sioDisconnect   = '1'
	sioEvent        = '2'
	sioAck          = '3'
	sioConnectError = '4'
	sioBinaryEvent  = '5'
	sioBinaryAck    = '6'
)

// recordSeparator separates packets in a polling payload (Engine.IO v4).
const recordSeparator = "\x1e"

// eioPacket is one Engine.IO packet: its type and its data.
type eioPacket struct {
	Type byte
	Data string
}

// parseEIOPacket reads one Engine.IO packet from its text form. A packet
// starting with 'b' is base64 binary (polling); it is reported with Type 'b'.
func parseEIOPacket(s string) (eioPacket, error) {
	if s == "" {
		return eioPacket{}, errors.New("empty engine.io packet")
	}
	t := s[0]
	switch t {
	case eioOpen, eioClose, eioPing, eioPong, eioMessage, eioUpgrade, eioNoop, 'b':
		return eioPacket{Type: t, Data: s[1:]}, nil
	}
	return eioPacket{}, fmt.Errorf("unknown engine.io packet type %q", t)
}

// encodeEIOPacket is the text form of an Engine.IO packet.
func encodeEIOPacket(t byte, data string) string {
	return string(t) + data
}

// splitPollingPayload splits the body of a polling response into packets.
func splitPollingPayload(body string) ([]eioPacket, error) {
	if body == "" {
		return nil, nil
	}
	parts := strings.Split(body, recordSeparator)
	packets := make([]eioPacket, 0, len(parts))
	for _, p := range parts {
		pk, err := parseEIOPacket(p)
		if err != nil {
			return packets, err
		}
		packets = append(packets, pk)
	}
	return packets, nil
}

// joinPollingPayload is the body of a polling request carrying packets.
func joinPollingPayload(packets ...string) string {
	return strings.Join(packets, recordSeparator)
}

// eioOpenData is the payload of the Engine.IO open packet.
type eioOpenData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// sioPacket is one Socket.IO packet (carried in an Engine.IO message).
type sioPacket struct {
	Type        byte
	Attachments int
	Namespace   string // "/" when absent
	AckID       int    // -1 when absent
	Data        json.RawMessage
}

// parseSIOPacket reads a Socket.IO v5 packet:
// <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>].
func parseSIOPacket(s string) (sioPacket, error) {
	p := sioPacket{Namespace: "/", AckID: -1}
	if s == "" {
		return p, errors.New("empty socket.io packet")
	}
	p.Type = s[0]
	if p.Type < sioConnect || p.Type > sioBinaryAck {
		return p, fmt.Errorf("unknown socket.io packet type %q", p.Type)
	}
	i := 1
	if p.Type == sioBinaryEvent || p.Type == sioBinaryAck {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == len(s) || s[j] != '-' || j == i {
			return p, errors.New("binary socket.io packet without attachment count")
		}
		p.Attachments, _ = strconv.Atoi(s[i:j])
		i = j + 1
	}
	if i < len(s) && s[i] == '/' {
		j := strings.IndexByte(s[i:], ',')
		if j < 0 {
			p.Namespace = s[i:]
			return p, nil
		}
		p.Namespace = s[i : i+j]
		i += j + 1
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j > i {
		id, err := strconv.Atoi(s[i:j])
		if err != nil {
			return p, fmt.Errorf("bad ack id: %w", err)
		}
		p.AckID = id
		i = j
	}
	if i < len(s) {
		data := s[i:]
		if !json.Valid([]byte(data)) {
			return p, errors.New("socket.io packet data is not JSON")
		}
		p.Data = json.RawMessage(data)
	}
	return p, nil
}

// encodeSIOEvent is the Engine.IO message text of an event on namespace "/":
// 42["name",payload].
func encodeSIOEvent(name string, payload any) (string, error) {
	b, err := json.Marshal([]any{name, payload})
	if err != nil {
		return "", err
	}
	return string([]byte{eioMessage, sioEvent}) + string(b), nil
}

// decodeEvent splits the data of an EVENT packet into its name and first argument.
func decodeEvent(data json.RawMessage) (string, json.RawMessage, error) {
	if name, payload, ok := splitEvent(data); ok {
		return name, payload, nil
	}
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil {
		return "", nil, fmt.Errorf("event data is not an array: %w", err)
	}
	if len(args) == 0 {
		return "", nil, errors.New("event without a name")
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		return "", nil, fmt.Errorf("event name is not a string: %w", err)
	}
	var payload json.RawMessage
	if len(args) > 1 {
		payload = args[1]
	}
	return name, payload, nil
}

// splitEvent is decodeEvent's fast path, without a JSON decoder, for what
// the service sends: ["name"] or ["name",payload] with a name free of
// escapes. It does not validate the payload: whoever reads it decodes it
// and so rejects a malformed one (or a second argument glued to it).
func splitEvent(data []byte) (string, json.RawMessage, bool) {
	if len(data) < 4 || data[0] != '[' || data[1] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(data[2:], '"')
	if end < 0 || !plainJSONString(data[2:2+end]) {
		return "", nil, false
	}
	name, rest := string(data[2:2+end]), data[2+end+1:]
	switch {
	case len(rest) == 1 && rest[0] == ']':
		return name, nil, true
	case len(rest) >= 3 && rest[0] == ',' && rest[len(rest)-1] == ']':
		return name, json.RawMessage(rest[1 : len(rest)-1]), true
	}
	return "", nil, false
}

// plainJSONString reports whether s, the inside of a JSON string, decodes
// to itself: valid UTF-8 with no escapes, quotes or control characters.
func plainJSONString(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// tokenText reads the text of a message_token payload, {"text":"..."}; a
// fast path for the plain case, encoding/json for the rest. ok is false
// when the payload is not an object with a string "text".
func tokenText(payload []byte) (string, bool) {
	const prefix, suffix = `{"text":"`, `"}`
	if bytes.HasPrefix(payload, []byte(prefix)) && bytes.HasSuffix(payload, []byte(suffix)) &&
		len(payload) >= len(prefix)+len(suffix) {
		if inner := payload[len(prefix) : len(payload)-len(suffix)]; plainJSONString(inner) {
			return string(inner), true
		}
	}
	var tok struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(payload, &tok); err != nil || tok.Text == nil {
		return "", false
	}
	return *tok.Text, true
}

// Event is one Socket.IO event the server sent.
type Event struct {
	Name string
	Data json.RawMessage
	At   time.Time
}

// ConnectError is the server's refusal of the namespace connect (a 44 packet).
type ConnectError struct{ Message string }

func (e *ConnectError) Error() string { return "connect_error: " + e.Message }

// errOverflow ends a connection whose event buffer filled up.
var errOverflow = errors.New("event buffer overflow")

// transport moves Engine.IO packets.
type transport interface {
	// read returns the next packets from the server (blocking).
	read() ([]eioPacket, error)
	// write sends packets to the server; it is safe for concurrent use.
	write(packets ...string) error
	// setReadTimeout bounds each later read.
	setReadTimeout(d time.Duration)
	close()
}

// Dialer opens Socket.IO connections.
type Dialer struct {
	BaseURL   *url.URL // http://host:port
	Origin    string
	Transport string // websocket | polling
	WS        *websocket.Dialer
	HTTP      *http.Client // polling
	EventBuf  int          // capacity of each connection's event channel
}

// wsBufferPool shares write buffers between WebSocket connections.
var wsBufferPool = &sync.Pool{}

// newDialer builds a dialer with small per-connection buffers.
func newDialer(base *url.URL, origin, transportName string, eventBuf int, maxConns int) *Dialer {
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
	default:
		t, err = d.dialWebSocket(ctx, cookie)
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
			return errOverflow
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

// --- WebSocket ---

type wsTransport struct {
	conn    *websocket.Conn
	wmu     sync.Mutex
	timeout atomic.Int64
}

func (d *Dialer) dialWebSocket(ctx context.Context, cookie string) (*wsTransport, error) {
	u := *d.BaseURL
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = "/socket.io/"
	u.RawQuery = "EIO=4&transport=websocket"
	h := http.Header{}
	if cookie != "" {
		h.Set("Cookie", "session="+cookie)
	}
	if d.Origin != "" {
		h.Set("Origin", d.Origin)
	}
	conn, resp, err := d.WS.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return nil, fmt.Errorf("websocket handshake: HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return nil, fmt.Errorf("websocket dial: %w", err)
	}
	t := &wsTransport{conn: conn}
	t.timeout.Store(int64(30 * time.Second))
	return t, nil
}

func (t *wsTransport) read() ([]eioPacket, error) {
	for {
		if d := time.Duration(t.timeout.Load()); d > 0 {
			_ = t.conn.SetReadDeadline(time.Now().Add(d))
		}
		mt, data, err := t.conn.ReadMessage()
		if err != nil {
			return nil, err
		}
		if mt != websocket.TextMessage {
			continue // binary attachments: not used by this service
		}
		p, err := parseEIOPacket(string(data))
		if err != nil {
			return nil, err
		}
		return []eioPacket{p}, nil
	}
}

func (t *wsTransport) write(packets ...string) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_ = t.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	for _, p := range packets {
		if err := t.conn.WriteMessage(websocket.TextMessage, []byte(p)); err != nil {
			return err
		}
	}
	return nil
}

func (t *wsTransport) setReadTimeout(d time.Duration) { t.timeout.Store(int64(d)) }

func (t *wsTransport) close() { _ = t.conn.Close() }

// --- HTTP long polling ---

type pollingTransport struct {
	d       *Dialer
	cookie  string
	sid     string
	wmu     sync.Mutex
	timeout atomic.Int64
	ctx     context.Context
	cancel  context.CancelFunc
}

func (d *Dialer) dialPolling(cookie string) (*pollingTransport, error) {
	tctx, cancel := context.WithCancel(context.Background())
	t := &pollingTransport{d: d, cookie: cookie, ctx: tctx, cancel: cancel}
	t.timeout.Store(int64(30 * time.Second))
	return t, nil
}

func (t *pollingTransport) url() string {
	u := *t.d.BaseURL
	u.Path = "/socket.io/"
	q := "EIO=4&transport=polling&t=" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if t.sid != "" {
		q += "&sid=" + url.QueryEscape(t.sid)
	}
	u.RawQuery = q
	return u.String()
}

func (t *pollingTransport) header(req *http.Request) {
	if t.cookie != "" {
		req.Header.Set("Cookie", "session="+t.cookie)
	}
	if t.d.Origin != "" {
		req.Header.Set("Origin", t.d.Origin)
	}
}

func (t *pollingTransport) read() ([]eioPacket, error) {
	ctx, cancel := context.WithTimeout(t.ctx, time.Duration(t.timeout.Load()))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url(), nil)
	if err != nil {
		return nil, err
	}
	t.header(req)
	resp, err := t.d.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("polling GET: HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return splitPollingPayload(string(body))
}

func (t *pollingTransport) write(packets ...string) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url(),
		bytes.NewReader([]byte(joinPollingPayload(packets...))))
	if err != nil {
		return err
	}
	t.header(req)
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := t.d.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("polling POST: HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

func (t *pollingTransport) setReadTimeout(d time.Duration) { t.timeout.Store(int64(d)) }

func (t *pollingTransport) close() { t.cancel() }
