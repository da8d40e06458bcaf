package sioclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// transport moves Engine.IO packets.
type transport interface {
	// read appends the next packets from the server to into (blocking):
	// a reader that passes its last slice back allocates none per packet.
	read(into []Packet) ([]Packet, error)
	// write sends packets to the server; it is safe for concurrent use.
	write(packets ...string) error
	// setReadTimeout bounds each later read.
	setReadTimeout(d time.Duration)
	close()
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
	conn, resp, err := d.webSocketDialer().DialContext(ctx, u.String(), h)
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

// webSocketDialer is d.WS, or the default, with d.ReceiveBuffer applied to
// a copy (the caller's dialer stays as it is).
func (d *Dialer) webSocketDialer() *websocket.Dialer {
	ws := d.WS
	if ws == nil {
		ws = websocket.DefaultDialer
	}
	if d.ReceiveBuffer <= 0 {
		return ws
	}
	small := *ws
	netDialer := &net.Dialer{Control: receiveBuffer(d.ReceiveBuffer)}
	small.NetDial, small.NetDialContext = nil, netDialer.DialContext
	return &small
}

// receiveBuffer sets a socket's SO_RCVBUF before it connects, while it can
// still shape the TCP window the connection starts with.
func receiveBuffer(size int) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var sockErr error
		err := c.Control(func(fd uintptr) {
			sockErr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
		})
		if err == nil {
			err = sockErr
		}
		if err != nil {
			return fmt.Errorf("SO_RCVBUF %d: %w", size, err)
		}
		return nil
	}
}

func (t *wsTransport) read(into []Packet) ([]Packet, error) {
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
		return append(into, p), nil
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
	if d.ReceiveBuffer > 0 {
		return nil, errors.New("ReceiveBuffer needs the websocket transport")
	}
	tctx, cancel := context.WithCancel(context.Background())
	t := &pollingTransport{d: d, cookie: cookie, ctx: tctx, cancel: cancel}
	t.timeout.Store(int64(30 * time.Second))
	return t, nil
}

func (t *pollingTransport) client() *http.Client {
	if t.d.HTTP == nil {
		return http.DefaultClient
	}
	return t.d.HTTP
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

func (t *pollingTransport) read(into []Packet) ([]Packet, error) {
	ctx, cancel := context.WithTimeout(t.ctx, time.Duration(t.timeout.Load()))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url(), nil)
	if err != nil {
		return nil, err
	}
	t.header(req)
	resp, err := t.client().Do(req)
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
	return splitPollingPayload(into, string(body))
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
	resp, err := t.client().Do(req)
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
