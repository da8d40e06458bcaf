package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/amanda-platform/amanda-backend/sioclient"
)

// attackKinds are the hostile loads, in the order -attack all runs them.
var attackKinds = []string{"handshakes", "bodies", "frames"}

// rssInterval is how often the service's RSS is sampled during a phase.
const rssInterval = 50 * time.Millisecond

// reactionPatience is how long a frame's sender waits, once the frame is
// written, for the server to react; a server that reads the frame and
// says nothing has accepted it.
const reactionPatience = time.Second

// postPatience bounds the wait for a POST's status once its body is
// written: a server must answer an HTTP request.
const postPatience = 30 * time.Second

// maxAttackBodyMiB bounds -attack-body-mib: beyond the service's largest
// payload (36 MiB with voice on) a bigger body shows nothing more.
const maxAttackBodyMiB = 128

// attack runs each kind of -attack: for each, a baseline of the signed-in
// client's replies, then the same replies while the attack runs.
func (r *Run) attack(ctx context.Context) error {
	cfg := r.cfg
	users, err := r.signup(ctx, "attack", 1)
	if err != nil {
		return err
	}
	chats, err := r.createChats(ctx, func(int) *User { return users[0] }, 1)
	if err != nil {
		return err
	}
	d := sioclient.NewDialer(cfg.base, cfg.Origin, cfg.Transport, r.eventBuf(), 1)
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, err := d.Dial(dctx, users[0].Cookie)
	cancel()
	if err != nil {
		return fmt.Errorf("connecting the signed-in client: %w", err)
	}
	defer conn.Close()
	client := &signedIn{conn: conn, chat: chats[0]}

	kinds := []string{cfg.Attack}
	if cfg.Attack == "all" {
		kinds = attackKinds
	}
	s := r.summary
	s.Set("attack", cfg.Attack)
	s.Set("baseline_s", cfg.AttackBaseline.Seconds())
	s.Set("attack_duration_s", cfg.AttackDuration.Seconds())
	var lost int
	var worstRSS int64 = -1
	for _, kind := range kinds {
		into := s
		if len(kinds) > 1 {
			into = &Summary{}
			s.Set(kind, into)
		}
		res, err := r.attackOnce(ctx, client, kind, into)
		lost += res.lost
		worstRSS = max(worstRSS, res.peakRSS)
		if err != nil {
			return err
		}
	}
	if len(kinds) > 1 {
		s.Set("replies_lost", lost)
		s.Set("rss_attack_peak_kib", worstRSS)
	}
	if lost > 0 && strings.Contains(r.fails.First(), "Too many requests") {
		r.logf("hint: the signed-in client hit the service's message limit: raise RATELIMIT_MESSAGES")
	}
	return nil
}

// attackResult is what the pass/fail checks of the whole run need.
type attackResult struct {
	lost    int
	peakRSS int64 // KiB, -1 when not measured
}

// attackOnce measures one kind: baseline, then attack, fields into s.
func (r *Run) attackOnce(ctx context.Context, client *signedIn, kind string, s *Summary) (attackResult, error) {
	cfg := r.cfg
	tally := &attackTally{}
	a, err := newAttacker(cfg, tally)
	if err != nil {
		return attackResult{peakRSS: -1}, err
	}
	rssStart := r.rss()
	r.logf("%s: baseline, %s of replies", kind, cfg.AttackBaseline)
	base, baseRSS := r.phase(ctx, client, func() {
		t := time.NewTimer(cfg.AttackBaseline)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	})
	if err := ctx.Err(); err != nil {
		return attackResult{lost: base.lost, peakRSS: -1}, fmt.Errorf("%s baseline: %w", kind, err)
	}

	r.logf("%s: attack for %s beside the signed-in client's replies", kind, cfg.AttackDuration)
	t0 := time.Now()
	under, attackRSS := r.phase(ctx, client, func() {
		actx, cancel := context.WithTimeout(ctx, cfg.AttackDuration)
		defer cancel()
		a.run(actx, kind)
	})
	wall := time.Since(t0)
	res := attackResult{lost: base.lost + under.lost, peakRSS: attackRSS.server}

	requests := tally.requests.Load()
	refusals, accepted := tally.refusals.Sorted(), tally.accepted.Sorted()
	s.Set("attack", kind)
	s.Set("hostile_requests", requests)
	s.Set("hostile_per_s", round2(float64(requests)/wall.Seconds()))
	if kind != "handshakes" {
		s.Set("payloads", tally.payloads.Load())
		s.Set("payload_mib_sent", round2(float64(tally.payloadBytes.Load())/(1<<20)))
	}
	s.Set("answers", tally.answers.ByKind())
	s.Set("refusals", len(refusals))
	s.latencyFields("refusal", refusals)
	s.Set("refused_before_fully_sent", tally.early.Load())
	s.latencyFields("accepted", accepted)
	s.Set("rss_start_kib", rssStart)
	s.Set("rss_baseline_peak_kib", baseRSS.server)
	s.Set("rss_attack_peak_kib", attackRSS.server)
	s.Set("rss_end_kib", r.rss())
	s.Set("client_rss_peak_kib", max(baseRSS.client, attackRSS.client))
	s.latencyFields("first_token_baseline", base.firstToken)
	s.latencyFields("first_token_attack", under.firstToken)
	bp50, bp99 := percentile(base.firstToken, 0.5), percentile(base.firstToken, 0.99)
	ap50, ap99 := percentile(under.firstToken, 0.5), percentile(under.firstToken, 0.99)
	if bp50 > 0 && bp99 > 0 {
		s.Set("first_token_p50_ratio", round2(float64(ap50)/float64(bp50)))
		s.Set("first_token_p99_ratio", round2(float64(ap99)/float64(bp99)))
	}
	s.Set("replies_baseline", base.completed)
	s.Set("replies_attack", under.completed)
	s.Set("replies_lost", res.lost)

	r.logf("%s: %d hostile requests (%.0f/s)", kind, requests, float64(requests)/wall.Seconds())
	tally.answers.ReportAs("answer", r.logf)
	r.logf("%s: %d refusals, p50 %.2f ms p99 %.2f ms (%d before the payload was fully sent)",
		kind, len(refusals), ms(percentile(refusals, 0.5)), ms(percentile(refusals, 0.99)), tally.early.Load())
	r.logf("%s: service RSS peak %s baseline, %s attack; tool RSS peak %s", kind,
		kib(baseRSS.server), kib(attackRSS.server), kib(max(baseRSS.client, attackRSS.client)))
	r.logf("%s: signed-in first token p50 %.2f -> %.2f ms, p99 %.2f -> %.2f ms; replies %d + %d, lost %d", kind,
		ms(bp50), ms(ap50), ms(bp99), ms(ap99), base.completed, under.completed, res.lost)

	if limit := int64(cfg.AttackMaxRSSMiB); limit > 0 {
		switch {
		case attackRSS.server < 0:
			r.fails.Add("rss_unmeasured", kind+": -attack-max-rss-mib needs the service's RSS (give -pid)")
		case attackRSS.server > limit<<10:
			r.fails.Add("rss_over_limit", fmt.Sprintf("%s: service RSS peaked at %s during the attack, over -attack-max-rss-mib %d",
				kind, kib(attackRSS.server), limit))
		}
	}
	return res, nil
}

// ---------------------------------------------------------------- the signed-in client

// signedIn is the one legitimate user, whose replies are timed while the
// attack runs.
type signedIn struct {
	conn *sioclient.Conn
	chat int64
	sent int  // messages so far: each text is unique
	gone bool // the socket broke; later phases cannot stream
}

// replies is what the signed-in client got in one phase.
type replies struct {
	firstToken      []time.Duration // sorted by phase
	completed, lost int
}

// streamUntil sends messages back to back, each once the last reply is
// complete, until stop is closed; the reply in flight is finished.
func (r *Run) streamUntil(ctx context.Context, c *signedIn, stop <-chan struct{}) replies {
	var out replies
	if c.gone {
		r.fails.Add("signed_in_gone", "the signed-in socket broke in an earlier phase")
		return out
	}
	for {
		select {
		case <-stop:
			return out
		default:
		}
		rec, ok, broken := r.exchange(ctx, c.conn, c.chat, r.benchMessage(0, c.sent))
		c.sent++
		if ok {
			out.completed++
			out.firstToken = append(out.firstToken, rec.firstToken)
		} else {
			out.lost++
		}
		if broken {
			c.gone = true
			c.conn.Close()
			return out
		}
	}
}

// rssPeak is the highest RSS seen in a phase, in KiB; -1 when unread.
type rssPeak struct{ server, client int64 }

// sampleRSS samples the service's and the tool's RSS every rssInterval
// until the returned func is called, which returns the peaks.
func (r *Run) sampleRSS() func() rssPeak {
	peak := rssPeak{-1, -1}
	sample := func() {
		if r.cfg.PID > 0 {
			if v, err := readRSS(r.cfg.PID); err == nil {
				peak.server = max(peak.server, v)
			}
		}
		if v, err := readRSS(os.Getpid()); err == nil {
			peak.client = max(peak.client, v)
		}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(rssInterval)
		defer tk.Stop()
		for {
			sample()
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	}()
	return func() rssPeak {
		close(stop)
		<-done
		sample()
		return peak
	}
}

// phase runs work (the attack, or for a baseline a wait) while the
// signed-in client streams and the RSS is sampled; it returns once work
// has returned and the reply in flight is done.
func (r *Run) phase(ctx context.Context, c *signedIn, work func()) (replies, rssPeak) {
	stopSampling := r.sampleRSS()
	stop := make(chan struct{})
	got := make(chan replies, 1)
	go func() { got <- r.streamUntil(ctx, c, stop) }()
	work()
	close(stop)
	rep := <-got
	slices.Sort(rep.firstToken)
	return rep, stopSampling()
}

// ---------------------------------------------------------------- tallies and pacing

// attackTally counts what the hostile requests got.
type attackTally struct {
	requests     atomic.Int64 // HTTP requests and WebSocket upgrades sent
	payloads     atomic.Int64 // oversized bodies and frames started
	payloadBytes atomic.Int64 // of them, the bytes written
	// answers counts answers by outcome (see outcome), with examples of
	// the errors: Failures is the tool's counter by kind.
	answers  Failures
	refusals Samples      // from the request (or the payload) to its refusal
	accepted Samples      // the same, for answers that took the request
	early    atomic.Int64 // refusals that came before the payload was fully written
}

func (t *attackTally) count(name string, err error) {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	t.answers.Add(name, detail)
}

// timed records an answer's latency as a refusal or an acceptance.
func (t *attackTally) timed(refused bool, d time.Duration, early bool) {
	if !refused {
		t.accepted.Add(d)
		return
	}
	t.refusals.Add(d)
	if early {
		t.early.Add(1)
	}
}

// outcome names an answer in the tally: step_<status> for an HTTP status,
// step_cut_at_end for a request the attack's end (ctxErr) cut short, and
// step_error for any other transport error.
func outcome(step string, status int, err, ctxErr error) string {
	switch {
	case err != nil && ctxErr != nil:
		return step + "_cut_at_end"
	case err != nil:
		return step + "_error"
	default:
		return step + "_" + strconv.Itoa(status)
	}
}

// pacer hands out at most n start times, one every interval from its
// creation, to all the workers of an attack. A start missed while every
// worker was busy is taken as soon as one is free: the rate holds on
// average, in bursts of at most the workers.
type pacer struct {
	start    time.Time
	interval time.Duration
	n        int64
	next     atomic.Int64
}

func newPacer(perSecond, n int) *pacer {
	return &pacer{start: time.Now(), interval: time.Second / time.Duration(perSecond), n: int64(n)}
}

// wait blocks until the caller's start time; false when all n are taken
// or ctx ended.
func (p *pacer) wait(ctx context.Context) bool {
	i := p.next.Add(1) - 1
	if i >= p.n {
		return false
	}
	if d := time.Until(p.start.Add(time.Duration(i) * p.interval)); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
	return ctx.Err() == nil
}

// ---------------------------------------------------------------- the attacker

// attacker sends the hostile requests: never a cookie, always the
// allowed Origin (so a refusal is the service's limits, not its CORS).
type attacker struct {
	base        *url.URL
	origin      string
	bodyBytes   int64
	concurrency int // parallel handshakes
	parallel    int // parallel bodies or frames
	http        *http.Client
	ws          *websocket.Dialer
	tally       *attackTally
	rate, n     int // most starts per second and in all
}

func newAttacker(cfg *Config, tally *attackTally) (*attacker, error) {
	if cfg.attackBodyBytes < minVoicePacketSize {
		return nil, fmt.Errorf("attack body of %d bytes: below the voice packet's %d", cfg.attackBodyBytes, minVoicePacketSize)
	}
	workers := max(cfg.AttackConcurrency, cfg.AttackParallel)
	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true}
	return &attacker{
		base: cfg.base, origin: cfg.Origin, bodyBytes: cfg.attackBodyBytes,
		concurrency: cfg.AttackConcurrency, parallel: cfg.AttackParallel,
		http:  &http.Client{Transport: tr},
		ws:    &websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024},
		tally: tally,
		rate:  cfg.AttackRate, n: cfg.AttackN,
	}, nil
}

// run attacks until -attack-n starts or ctx's end, at most -attack-rate
// starts a second from now: -attack-concurrency workers for handshakes,
// -attack-parallel for bodies and frames.
func (a *attacker) run(ctx context.Context, kind string) {
	pace := newPacer(a.rate, a.n)
	one, workers := a.handshakeOnce, a.concurrency
	switch kind {
	case "bodies":
		one, workers = a.bodyOnce, a.parallel
	case "frames":
		one, workers = a.frameOnce, a.parallel
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for pace.wait(ctx) {
				one(ctx)
			}
		})
	}
	wg.Wait()
}

// handshake opens one polling session without a cookie and never polls
// it again. sid is set on a 200 with an open packet.
func (a *attacker) handshake(ctx context.Context) (sid string, status int, latency time.Duration, err error) {
	a.tally.requests.Add(1)
	u := *a.base
	u.Path, u.RawQuery = "/socket.io/", "EIO=4&transport=polling"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", 0, 0, fmt.Errorf("handshake request: %w", err)
	}
	req.Header.Set("Origin", a.origin)
	t := time.Now()
	resp, err := a.http.Do(req)
	if err != nil {
		return "", 0, 0, err
	}
	latency = time.Since(t)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", resp.StatusCode, latency, fmt.Errorf("handshake body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, latency, nil
	}
	sid, err = parseOpenSID(body)
	return sid, resp.StatusCode, latency, err
}

// parseOpenSID reads the session id from a polling handshake's answer,
// an Engine.IO open packet `0{"sid":…}`.
func parseOpenSID(body []byte) (string, error) {
	data, ok := bytes.CutPrefix(body, []byte("0"))
	var open struct {
		SID string `json:"sid"`
	}
	if !ok || json.Unmarshal(data, &open) != nil || open.SID == "" {
		return "", fmt.Errorf("handshake: no open packet in %q", clip(string(body)))
	}
	return open.SID, nil
}

// handshakeOnce is one hostile handshake, timed.
func (a *attacker) handshakeOnce(ctx context.Context) {
	_, status, latency, err := a.handshake(ctx)
	a.tally.count(outcome("handshake", status, err, ctx.Err()), err)
	if err == nil {
		a.tally.timed(status != http.StatusOK, latency, false)
	}
}

// bodyOnce opens a session without a cookie and posts one oversized
// voice message on it, as the attacker of a server with voice on can.
func (a *attacker) bodyOnce(ctx context.Context) {
	sid, status, _, err := a.handshake(ctx)
	a.tally.count(outcome("handshake", status, err, ctx.Err()), err)
	if err != nil || sid == "" {
		return
	}
	a.tally.requests.Add(1)
	a.tally.payloads.Add(1)
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", a.base.Host)
	if err != nil {
		a.tally.count(outcome("post", 0, err, ctx.Err()), err)
		return
	}
	defer conn.Close()
	// By hand, on a connection of its own, so that a status sent before
	// the body is fully written is seen when it comes.
	head := "POST /socket.io/?EIO=4&transport=polling&sid=" + url.QueryEscape(sid) + " HTTP/1.1\r\n" +
		"Host: " + a.base.Host + "\r\nOrigin: " + a.origin + "\r\n" +
		"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + strconv.FormatInt(a.bodyBytes, 10) + "\r\n" +
		"Connection: close\r\n\r\n"
	var readErr error
	d := deliver(ctx, conn, io.MultiReader(strings.NewReader(head), voicePacket(a.bodyBytes)), postPatience, func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			readErr = err
			return
		}
		resp.Body.Close()
		status = resp.StatusCode
	})
	a.tally.payloadBytes.Add(max(d.written-int64(len(head)), 0))
	a.settle(ctx, "post", d, outcome("post", status, readErr, nil), readErr, readErr != nil || status != http.StatusOK)
}

// frameOnce opens a WebSocket without a cookie, reads the open packet and
// sends one oversized text frame.
func (a *attacker) frameOnce(ctx context.Context) {
	a.tally.requests.Add(1)
	u := *a.base
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path, u.RawQuery = "/socket.io/", "EIO=4&transport=websocket"
	c, resp, err := a.ws.DialContext(ctx, u.String(), http.Header{"Origin": {a.origin}})
	if err != nil {
		if resp != nil { // the upgrade was refused with a status
			resp.Body.Close()
			a.tally.count(outcome("ws_open", resp.StatusCode, nil, nil), nil)
			return
		}
		a.tally.count(outcome("ws_open", 0, err, ctx.Err()), err)
		return
	}
	defer c.Close()
	// The frame goes out on the raw connection: gorilla must not answer a
	// close or a ping in the middle of it.
	c.SetCloseHandler(func(int, string) error { return nil })
	c.SetPingHandler(func(string) error { return nil })
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, open, err := c.ReadMessage()
	if err == nil && !bytes.HasPrefix(open, []byte("0")) {
		err = fmt.Errorf("expected an open packet, got %q", clip(string(open)))
	}
	if err != nil {
		a.tally.count(outcome("ws_open", 0, err, ctx.Err()), err)
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	a.tally.count(outcome("ws_open", http.StatusSwitchingProtocols, nil, nil), nil)
	a.tally.payloads.Add(1)
	header := frameHeader(a.bodyBytes)
	var data []byte
	var readErr error
	d := deliver(ctx, c.NetConn(), io.MultiReader(bytes.NewReader(header), voicePacket(a.bodyBytes)), reactionPatience, func() {
		_, data, readErr = c.ReadMessage()
	})
	a.tally.payloadBytes.Add(max(d.written-int64(len(header)), 0))
	a.settle(ctx, "frame", d, frameReaction(data, readErr), readErr, readErr != nil)
}

// frameReaction names what the server did after a frame: a WebSocket
// close with its code, the connection ending without one (gorilla's 1006,
// never sent on the wire, says so too), or an Engine.IO packet (by its
// type).
func frameReaction(data []byte, err error) string {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		return "frame_close_" + strconv.Itoa(ce.Code)
	case err != nil:
		return "frame_conn_closed"
	case len(data) == 0:
		return "frame_packet_empty"
	default:
		return "frame_packet_" + string(data[0])
	}
}

// settle tallies the answer to one payload, named answer, unless the
// attack's end cut it short or the server said nothing in time.
func (a *attacker) settle(ctx context.Context, step string, d delivery, answer string, readErr error, refused bool) {
	switch {
	case ctx.Err() != nil && (!d.answered || readErr != nil):
		a.tally.count(step+"_cut_at_end", nil)
	case !d.answered:
		a.tally.count(step+"_no_reaction", nil)
	default:
		a.tally.count(answer, readErr)
		a.tally.timed(refused, d.latency, d.early)
	}
}

// delivery is what became of one payload.
type delivery struct {
	written  int64         // bytes the tool wrote
	answered bool          // read returned within the patience
	latency  time.Duration // from the first byte to read's return
	early    bool          // read returned before the payload was fully written
}

// deliver writes payload to conn while read waits for the server's answer
// on another goroutine; it waits up to patience after the payload is
// written (a write error is no reason to stop: the server may have
// answered and closed), then closes conn. read's results may be used
// once deliver has returned.
func deliver(ctx context.Context, conn net.Conn, payload io.Reader, patience time.Duration, read func()) delivery {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var written atomic.Bool
	answered := make(chan delivery, 1)
	start := time.Now()
	go func() {
		read()
		answered <- delivery{answered: true, latency: time.Since(start), early: !written.Load()}
	}()
	n, err := io.Copy(conn, payload)
	if err == nil {
		written.Store(true)
	}
	t := time.NewTimer(patience)
	defer t.Stop()
	var d delivery
	select {
	case d = <-answered:
	case <-t.C:
		conn.Close()
		<-answered // read has returned: its results are settled
	}
	conn.Close()
	d.written = n
	return d
}

// ---------------------------------------------------------------- payloads

// The send_voice_message packet around its audio: an Engine.IO message
// (4) carrying a Socket.IO event (2).
const (
	voiceHead = `42["send_voice_message",{"chat_id":1,"audio":"`
	voiceTail = `","format":"webm"}]`
)

// minVoicePacketSize is the size of a packet with no audio.
const minVoicePacketSize = int64(len(voiceHead) + len(voiceTail))

// audioBlock is what the audio is copied from: base64 of zero bytes.
var audioBlock = bytes.Repeat([]byte("A"), 32<<10)

// audioReader yields n bytes of base64 audio.
type audioReader struct{ n int64 }

func (r *audioReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], audioBlock)
	}
	r.n -= int64(n)
	return n, nil
}

// voicePacket is a send_voice_message packet of exactly size bytes (at
// least minVoicePacketSize), made as it is read: a 30 MiB body costs the
// tool no 30 MiB. The audio is whole base64 quanta; JSON whitespace
// before "format" makes up the rest.
func voicePacket(size int64) io.Reader {
	pad := size - minVoicePacketSize
	return io.MultiReader(
		strings.NewReader(voiceHead),
		&audioReader{n: pad - pad%4},
		strings.NewReader(`",`+strings.Repeat(" ", int(pad%4))+voiceTail[2:]),
	)
}

// frameHeader starts one final, masked text frame of size payload bytes.
// The masking key is zero, so the payload goes out as it is: a server
// cannot tell a zero key from a random one.
func frameHeader(size int64) []byte {
	const finText, masked = 0x81, 0x80
	var h []byte
	switch {
	case size < 126:
		h = []byte{finText, masked | byte(size)}
	case size <= 0xFFFF:
		h = binary.BigEndian.AppendUint16([]byte{finText, masked | 126}, uint16(size))
	default:
		h = binary.BigEndian.AppendUint64([]byte{finText, masked | 127}, uint64(size))
	}
	return append(h, 0, 0, 0, 0) // the masking key
}
