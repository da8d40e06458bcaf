package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/speech/speechtest"
)

// polling speaks Engine.IO's polling transport by hand, for requests no
// client library would send.
type polling struct {
	t      *testing.T
	srv    *servertest.Server
	cookie string
	header http.Header
}

// handshake opens a session: its sid, or "" and the refusal's status.
func (p polling) handshake() (sid string, status int, header http.Header) {
	p.t.Helper()
	resp := p.do("GET", "", nil)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, resp.Header
	}
	var open struct {
		SID string `json:"sid"`
	}
	if !bytes.HasPrefix(body, []byte("0")) || json.Unmarshal(body[1:], &open) != nil {
		p.t.Fatalf("handshake answered %q", body)
	}
	return open.SID, resp.StatusCode, resp.Header
}

// do sends one polling request of the session sid ("" for a handshake).
func (p polling) do(method, sid string, body io.Reader) *http.Response {
	p.t.Helper()
	resp, err := p.try(method, sid, body)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp
}

// try is do, returning a transport error instead of failing the test.
func (p polling) try(method, sid string, body io.Reader) (*http.Response, error) {
	url := p.srv.URL + "/socket.io/?EIO=4&transport=polling"
	if sid != "" {
		url += "&sid=" + sid
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Origin", testOrigin)
	for k, v := range p.header {
		req.Header[k] = v
	}
	if p.cookie != "" {
		req.Header.Set("Cookie", "session="+p.cookie)
	}
	return http.DefaultClient.Do(req)
}

// exchange posts packets and returns what the next poll brings.
func (p polling) exchange(sid, packets string) string {
	p.t.Helper()
	resp := p.do("POST", sid, strings.NewReader(packets))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("POST %q: %d", packets, resp.StatusCode)
	}
	resp = p.do("GET", sid, nil)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestStrangersSendNothingLarge(t *testing.T) {
	// Voice on: signed-in sockets may send 36 MiB messages.
	srv, _ := startVoiceServer(t, speechtest.Options{Transcript: "hi"})
	p := polling{t: t, srv: srv}
	large := "4" + strings.Repeat("x", 1<<20)

	// With its length given or without (chunked), a large body is refused
	// before it is read: the answer may beat the client's upload.
	sid, _, _ := p.handshake()
	for name, body := range map[string]func() io.Reader{
		"with a length": func() io.Reader { return strings.NewReader(large) },
		"chunked":       func() io.Reader { return io.MultiReader(strings.NewReader(large)) },
	} {
		resp, err := p.try("POST", sid, body())
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("a stranger's 1 MiB POST %s: %d", name, resp.StatusCode)
			}
		}
	}
	if got := metric(t, srv, `amanda_socketio_refused_total{reason="oversized"}`); got != 2 {
		t.Fatalf("oversized refusals counted %v", got)
	}

	// Over WebSocket: the connection ends instead of reading the frame.
	header := http.Header{"Origin": {testOrigin}}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", header)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, open, err := conn.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open: %q %v", open, err)
	}
	_ = conn.WriteMessage(websocket.TextMessage, []byte(large))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server kept a WebSocket that sent a stranger's 1 MiB frame")
			}
			break
		}
	}

	// The contract's refusal of a socket without a session is unchanged.
	sid, _, _ = p.handshake()
	if got := p.exchange(sid, "40"); !strings.Contains(got, `"Connection rejected by server"`) {
		t.Fatalf("connect without a session: %q", got)
	}
}

func TestLargeRecordingGoesThroughOnBothTransports(t *testing.T) {
	srv, api := startVoiceServer(t, speechtest.Options{Transcript: "a long story"})
	u := newChatUser(t, srv, "long-recording@example.com")
	audio := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x1a}, 25_000_000))
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			c := newSIOClient(t)
			c.mustConnect(srv, u.cookie, tr...)
			c.emit("send_voice_message", map[string]any{"chat_id": u.chatID, "audio": audio, "format": "webm"})
			events := c.until("message_complete")
			if got := names(events); got != "voice_processing voice_transcribed voice_processing message_token message_complete" {
				t.Fatalf("events: %s", got)
			}
		})
	}
	for _, req := range api.Requests() {
		if req.Path == "/v1/audio/transcriptions" && req.AudioBytes != 25_000_000 {
			t.Fatalf("the speech API got %d bytes of audio", req.AudioBytes)
		}
	}
}

func TestSocketThatSignsInLateWithinTheConnectTimeout(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.SocketConnectTimeout.Duration = 1500 * time.Millisecond })
	u := newChatUser(t, srv, "late@example.com")
	p := polling{t: t, srv: srv, cookie: u.cookie}

	late, _, _ := p.handshake()
	never, _, _ := p.handshake()
	time.Sleep(700 * time.Millisecond)
	if got := p.exchange(late, "40"); !strings.HasPrefix(got, "40{") {
		t.Fatalf("a connect within the timeout: %q", got)
	}
	time.Sleep(1500 * time.Millisecond)
	// The signed-in session lives on; the one that never connected is gone.
	if got := p.exchange(late, `42["send_message",{"chat_id":`+decimalString(u.chatID)+`,"message":"still here?"}]`); !strings.Contains(got, "message_token") {
		t.Fatalf("the late socket after the timeout: %q", got)
	}
	resp := p.do("GET", never, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a session that never connected, after the timeout: %d", resp.StatusCode)
	}
}

func TestHandshakesAreLimitedPerClientIP(t *testing.T) {
	srv := servertest.StartSQLite(t, withLimits, func(c *server.Config) {
		c.RateLimitHandshake.Limit = 3
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	p := polling{t: t, srv: srv, header: http.Header{"X-Forwarded-For": {"203.0.113.7"}}}
	for range 3 {
		if _, status, _ := p.handshake(); status != http.StatusOK {
			t.Fatalf("a handshake within the limit: %d", status)
		}
	}
	_, status, header := p.handshake()
	if status != http.StatusTooManyRequests || header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d, Retry-After %q", status, header.Get("Retry-After"))
	}
	other := polling{t: t, srv: srv, header: http.Header{"X-Forwarded-For": {"203.0.113.8"}}}
	if _, status, _ := other.handshake(); status != http.StatusOK {
		t.Fatalf("another client: %d", status)
	}
	if got := metric(t, srv, `amanda_ratelimit_rejections_total{scope="handshake"}`); got != 1 {
		t.Fatalf("handshake refusals counted %v", got)
	}
}

func TestPendingSessionsAreCapped(t *testing.T) {
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.SocketMaxPending = 3 })
	u := newChatUser(t, srv, "pending@example.com")
	p := polling{t: t, srv: srv, cookie: u.cookie}
	var sids []string
	for range 3 {
		sid, status, _ := p.handshake()
		if status != http.StatusOK {
			t.Fatalf("within the cap: %d", status)
		}
		sids = append(sids, sid)
	}
	if _, status, _ := p.handshake(); status != http.StatusServiceUnavailable {
		t.Fatalf("over the cap: %d", status)
	}
	if got := metric(t, srv, "amanda_socketio_pending_sessions"); got != 3 {
		t.Fatalf("pending sessions %v", got)
	}
	// A session that signs in is no longer pending: there is room again.
	if got := p.exchange(sids[0], "40"); !strings.HasPrefix(got, "40{") {
		t.Fatalf("connect: %q", got)
	}
	if _, status, _ := p.handshake(); status != http.StatusOK {
		t.Fatalf("after one signed in: %d", status)
	}
	if got := metric(t, srv, `amanda_socketio_refused_total{reason="too_many_pending"}`); got != 1 {
		t.Fatalf("refusals counted %v", got)
	}
}

func TestVoiceOverTheAudioBudgetIsBusy(t *testing.T) {
	// Transcriptions take long enough to hold the first recording's audio
	// while the second arrives, however slow the machine.
	api := speechtest.New(t, speechtest.Options{APIKey: testSpeechKey, Transcript: "slowly", Delay: time.Minute})
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) {
		c.OpenAIAPIKey, c.OpenAIBaseURL = testSpeechKey, api.URL
		c.VoiceAudioBudgetMB = 64 // one 25 MB recording, received and decoded
	})
	first, second := newChatUser(t, srv, "budget1@example.com"), newChatUser(t, srv, "budget2@example.com")
	audio := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x1a}, 25_000_000))
	a, b := first.socket(t), second.socket(t)
	a.emit("send_voice_message", map[string]any{"chat_id": first.chatID, "audio": audio, "format": "webm"})
	if e := a.next(); e.Event != "voice_processing" {
		t.Fatalf("first: %s %s", e.Event, e.Data)
	}
	// The first recording is being transcribed: the second does not fit.
	b.emit("send_voice_message", map[string]any{"chat_id": second.chatID, "audio": audio, "format": "webm"})
	if e := b.next(); e.Event != "error" || e.field(t, "message") != "Server is busy. Please try again in a moment." {
		t.Fatalf("second: %s %s", e.Event, e.Data)
	}
	// Its client leaving cancels the first transcription, which gives the
	// audio back: the next recording fits.
	a.disconnect()
	deadline := time.Now().Add(10 * time.Second)
	for metric(t, srv, "amanda_voice_audio_in_flight_bytes") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first recording's audio is still counted after its client left")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.emit("send_voice_message", map[string]any{"chat_id": second.chatID, "audio": audio, "format": "webm"})
	if e := b.next(); e.Event != "voice_processing" {
		t.Fatalf("after the budget was given back: %s %s", e.Event, e.Data)
	}
	if got := metric(t, srv, `amanda_socketio_refused_total{reason="audio_budget"}`); got != 1 {
		t.Fatalf("audio budget refusals counted %v", got)
	}
}
