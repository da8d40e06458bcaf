package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/sioclient"
	"github.com/amanda-platform/amanda-backend/sioclient/fakesio"
)

func TestVoicePacket(t *testing.T) {
	for _, size := range []int64{minVoicePacketSize, minVoicePacketSize + 1, minVoicePacketSize + 2,
		minVoicePacketSize + 3, minVoicePacketSize + 4, 1000, 100_003, 3<<20 + 1} {
		r := voicePacket(size)
		if size < 1000 {
			r = iotest.OneByteReader(r) // reads of one byte make the same packet
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if int64(len(b)) != size {
			t.Fatalf("size %d: got %d bytes", size, len(b))
		}
		data, ok := bytes.CutPrefix(b, []byte("42"))
		var args []json.RawMessage
		if !ok || json.Unmarshal(data, &args) != nil || len(args) != 2 || string(args[0]) != `"send_voice_message"` {
			t.Fatalf("size %d: not a send_voice_message event: %q", size, clip(string(b)))
		}
		var payload struct {
			ChatID int64  `json:"chat_id"`
			Audio  string `json:"audio"`
			Format string `json:"format"`
		}
		if err := json.Unmarshal(args[1], &payload); err != nil || payload.ChatID != 1 || payload.Format != "webm" {
			t.Fatalf("size %d: payload %q: %v", size, clip(string(args[1])), err)
		}
		if _, err := base64.StdEncoding.DecodeString(payload.Audio); err != nil {
			t.Fatalf("size %d: audio is not base64: %v", size, err)
		}
	}
}

func TestFrameHeader(t *testing.T) {
	for _, c := range []struct {
		size int64
		want []byte
	}{
		{0, []byte{0x81, 0x80, 0, 0, 0, 0}},
		{125, []byte{0x81, 0x80 | 125, 0, 0, 0, 0}},
		{126, []byte{0x81, 0x80 | 126, 0, 126, 0, 0, 0, 0}},
		{0xFFFF, []byte{0x81, 0x80 | 126, 0xFF, 0xFF, 0, 0, 0, 0}},
		{0x10000, []byte{0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}},
		{30 << 20, []byte{0x81, 0x80 | 127, 0, 0, 0, 0, 0x01, 0xE0, 0, 0, 0, 0, 0, 0}},
	} {
		if got := frameHeader(c.size); !bytes.Equal(got, c.want) {
			t.Errorf("frameHeader(%d) = % x, want % x", c.size, got, c.want)
		}
	}
}

func TestOutcome(t *testing.T) {
	reset := errors.New("connection reset")
	for _, c := range []struct {
		status      int
		err, ctxErr error
		want        string
	}{
		{200, nil, nil, "handshake_200"},
		{429, nil, nil, "handshake_429"},
		{503, nil, context.DeadlineExceeded, "handshake_503"}, // answered before the end
		{0, reset, nil, "handshake_error"},
		{0, reset, context.DeadlineExceeded, "handshake_cut_at_end"},
	} {
		if got := outcome("handshake", c.status, c.err, c.ctxErr); got != c.want {
			t.Errorf("outcome(%d, %v, %v) = %q, want %q", c.status, c.err, c.ctxErr, got, c.want)
		}
	}
}

func TestFrameReaction(t *testing.T) {
	for _, c := range []struct {
		data []byte
		err  error
		want string
	}{
		{nil, &websocket.CloseError{Code: websocket.CloseMessageTooBig}, "frame_close_1009"},
		{nil, io.EOF, "frame_conn_closed"},
		{nil, &websocket.CloseError{Code: websocket.CloseAbnormalClosure, Text: "unexpected EOF"}, "frame_conn_closed"},
		{[]byte(`44{"message":"x"}`), nil, "frame_packet_4"},
		{[]byte("1"), nil, "frame_packet_1"},
		{nil, nil, "frame_packet_empty"},
	} {
		if got := frameReaction(c.data, c.err); got != c.want {
			t.Errorf("frameReaction(%q, %v) = %q, want %q", c.data, c.err, got, c.want)
		}
	}
}

func TestParseOpenSID(t *testing.T) {
	if sid, err := parseOpenSID([]byte(`0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}`)); err != nil || sid != "abc" {
		t.Errorf("open packet: %q, %v", sid, err)
	}
	for _, body := range []string{"", "0", `0{}`, `{"sid":"abc"}`, `40{"sid":"abc"}`, "ok"} {
		if sid, err := parseOpenSID([]byte(body)); err == nil {
			t.Errorf("%q: sid %q, want an error", body, sid)
		}
	}
}

func TestPacer(t *testing.T) {
	p := newPacer(1000, 20)
	t0 := time.Now()
	granted := 0
	for p.wait(context.Background()) {
		granted++
	}
	if granted != 20 {
		t.Fatalf("granted %d starts, want 20", granted)
	}
	if took := time.Since(t0); took < 19*time.Millisecond {
		t.Errorf("20 starts at 1000/s took %s, want >= 19ms", took)
	}
	// A wait for a start a second away ends with its context.
	slow := newPacer(1, 10)
	if !slow.wait(context.Background()) {
		t.Fatal("the first start was not granted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	if slow.wait(ctx) || time.Since(t0) > 500*time.Millisecond {
		t.Errorf("a wait past its context's end was granted or took %s", time.Since(t0))
	}
}

// TestAttackPacedFromItsStart: an attacker made before a baseline does not
// catch up on the baseline's time in a burst.
func TestAttackPacedFromItsStart(t *testing.T) {
	srv := httptest.NewServer(&fakesio.Server{Tokens: 4})
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	cfg := attackConfig(base, 64<<10)
	cfg.AttackRate = 100
	a, err := newAttacker(cfg, &attackTally{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	a.run(context.Background(), "handshakes")
	if took := time.Since(t0); took < 50*time.Millisecond {
		t.Errorf("6 handshakes at 100/s took %s, want >= 50ms", took)
	}
}

// attackConfig is a small attack on the test server at base.
func attackConfig(base *url.URL, bodyBytes int64) *Config {
	return &Config{
		base: base, Origin: "http://localhost:8000", attackBodyBytes: bodyBytes,
		AttackRate: 1000, AttackN: 6, AttackConcurrency: 2, AttackParallel: 2,
		ExpectTokens: 4, VerifyText: true, ReplyTimeout: 5 * time.Second, RunID: "t", Quiet: true, PID: -1,
	}
}

// runAttack runs one kind against the server at srvURL and returns its tally.
func runAttack(t *testing.T, srvURL, kind string, bodyBytes int64) *attackTally {
	t.Helper()
	base, _ := url.Parse(srvURL)
	tally := &attackTally{}
	a, err := newAttacker(attackConfig(base, bodyBytes), tally)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a.run(ctx, kind)
	if ctx.Err() != nil {
		t.Fatalf("%s: the attack did not end by itself", kind)
	}
	return tally
}

func wantAnswers(t *testing.T, kind string, tally *attackTally, want map[string]int) {
	t.Helper()
	got := tally.answers.ByKind()
	if len(got) != len(want) {
		t.Errorf("%s: answers %v, want %v", kind, got, want)
		return
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: answers %v, want %v", kind, got, want)
			return
		}
	}
}

// TestAttacksAccepted runs each attack against the fake Engine.IO server,
// which takes everything, as the service without limits does.
func TestAttacksAccepted(t *testing.T) {
	srv := httptest.NewServer(&fakesio.Server{Tokens: 4})
	defer srv.Close()

	tally := runAttack(t, srv.URL, "handshakes", 64<<10)
	wantAnswers(t, "handshakes", tally, map[string]int{"handshake_200": 6})
	if tally.requests.Load() != 6 || tally.accepted.Len() != 6 || tally.refusals.Len() != 0 {
		t.Errorf("handshakes: %d requests, %d accepted, %d refused", tally.requests.Load(), tally.accepted.Len(), tally.refusals.Len())
	}

	tally = runAttack(t, srv.URL, "bodies", 64<<10)
	wantAnswers(t, "bodies", tally, map[string]int{"handshake_200": 6, "post_200": 6})
	if tally.payloadBytes.Load() != 6*64<<10 || tally.accepted.Len() != 6 {
		t.Errorf("bodies: %d bytes sent, %d accepted", tally.payloadBytes.Load(), tally.accepted.Len())
	}

	// The fake reads the frame and answers with an error event (42…).
	tally = runAttack(t, srv.URL, "frames", 64<<10)
	wantAnswers(t, "frames", tally, map[string]int{"ws_open_101": 6, "frame_packet_4": 6})
	if tally.payloadBytes.Load() != 6*64<<10 {
		t.Errorf("frames: %d bytes sent", tally.payloadBytes.Load())
	}
}

// refusingServer refuses as a server with small limits before sign-in
// does: handshakes (when refuseHandshakes) with 429, a big POST with 413
// before reading it, a big frame with close 1009.
func refusingServer(refuseHandshakes bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("transport") == "websocket":
			up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			_ = c.WriteMessage(websocket.TextMessage, []byte(`0{"sid":"w1"}`))
			c.SetReadLimit(1024)
			_, _, _ = c.ReadMessage()
		case r.Method == http.MethodGet && refuseHandshakes:
			http.Error(w, "too many handshakes", http.StatusTooManyRequests)
		case r.Method == http.MethodGet:
			_, _ = io.WriteString(w, `0{"sid":"p1"}`)
		default:
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		}
	})
}

func TestAttacksRefused(t *testing.T) {
	srv := httptest.NewServer(refusingServer(true))
	defer srv.Close()
	tally := runAttack(t, srv.URL, "handshakes", 64<<10)
	wantAnswers(t, "handshakes", tally, map[string]int{"handshake_429": 6})
	if tally.refusals.Len() != 6 || tally.early.Load() != 0 {
		t.Errorf("handshakes: %d refusals, %d early", tally.refusals.Len(), tally.early.Load())
	}
	tally = runAttack(t, srv.URL, "bodies", 64<<10)
	wantAnswers(t, "bodies", tally, map[string]int{"handshake_429": 6})
	srv.Close()

	// 32 MiB: more than loopback's socket buffers hold, so a refusal that
	// comes before the server reads the body is seen before it is sent.
	srv = httptest.NewServer(refusingServer(false))
	defer srv.Close()
	tally = runAttack(t, srv.URL, "bodies", 32<<20)
	wantAnswers(t, "bodies", tally, map[string]int{"handshake_200": 6, "post_413": 6})
	if tally.refusals.Len() != 6 || tally.early.Load() != 6 {
		t.Errorf("bodies: %d refusals, %d early", tally.refusals.Len(), tally.early.Load())
	}
	tally = runAttack(t, srv.URL, "frames", 32<<20)
	wantAnswers(t, "frames", tally, map[string]int{"ws_open_101": 6, "frame_close_1009": 6})
	if tally.refusals.Len() != 6 || tally.early.Load() != 6 {
		t.Errorf("frames: %d refusals, %d early", tally.refusals.Len(), tally.early.Load())
	}
}

// TestPhaseStreams checks that a phase keeps the signed-in client's
// replies coming until its work returns, and samples the tool's RSS.
func TestPhaseStreams(t *testing.T) {
	srv := httptest.NewServer(&fakesio.Server{Tokens: 4})
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &Run{cfg: attackConfig(base, 64<<10), out: io.Discard, start: time.Now(), summary: NewSummary("attack")}
	c, err := sioclient.NewDialer(base, r.cfg.Origin, "websocket", r.eventBuf(), 1).Dial(ctx, fakesio.GoodCookie)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	client := &signedIn{conn: c, chat: 1}
	got, peak := r.phase(ctx, client, func() { time.Sleep(300 * time.Millisecond) })
	if got.completed < 2 || got.lost != 0 || len(got.firstToken) != got.completed || r.fails.Total() != 0 {
		t.Fatalf("replies %+v, failures %v", got, r.fails.ByKind())
	}
	if peak.server != -1 || peak.client <= 0 {
		t.Errorf("RSS peaks %+v: want no service (pid -1) and the tool's", peak)
	}
	if client.sent != got.completed || client.gone {
		t.Errorf("client %+v after %d replies", client, got.completed)
	}
}
