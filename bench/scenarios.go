package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/sioclient"
)

// dialTimeout bounds one socket's connect (handshake and namespace connect).
const dialTimeout = 30 * time.Second

// signup creates n users (prefix distinguishes groups); any failure ends the setup.
func (r *Run) signup(ctx context.Context, prefix string, n int) ([]*User, error) {
	if n == 0 {
		return nil, nil
	}
	t := time.Now()
	var fails Failures
	users := signupUsers(ctx, r.rest, r.cfg.RunID, prefix, n, r.cfg.SignupConcurrency, &fails)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("signing up %d users: %w", n, err)
	}
	if fails.Total() > 0 {
		first := fails.First()
		hint := ""
		if strings.Contains(first, "HTTP 429") {
			hint = " (the service rate-limits signups: run it with RATELIMIT_ENABLED=false)"
		}
		return nil, fmt.Errorf("%d of %d signups failed%s: %s", fails.Total(), n, hint, first)
	}
	r.logf("signed up %d users (%s) in %s", n, prefix, time.Since(t).Round(time.Millisecond))
	return users, nil
}

// usersFor is the number of users -n sockets need.
func (r *Run) usersFor(sockets int) int {
	return (sockets + r.cfg.SocketsPerUser - 1) / r.cfg.SocketsPerUser
}

// dialAll connects one socket per cookie; failed dials are nil entries,
// counted as failures.
func (r *Run) dialAll(ctx context.Context, d *sioclient.Dialer, cookies []string, lat *Samples) []*sioclient.Conn {
	conns := make([]*sioclient.Conn, len(cookies))
	var done atomic.Int64
	stop := r.progress("connected", &done, int64(len(cookies)))
	defer stop()
	parallel(ctx, len(cookies), r.cfg.SetupConcurrency, func(i int) {
		defer done.Add(1)
		dctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		t := time.Now()
		c, err := d.Dial(dctx, cookies[i])
		if err != nil {
			var ce *sioclient.ConnectError
			switch {
			case errors.As(err, &ce):
				r.fails.Add("connect_error", ce.Message)
			case ctx.Err() != nil:
				r.fails.Add("connect_interrupted", err.Error())
			case dctx.Err() != nil:
				r.fails.Add("connect_timeout", err.Error())
			default:
				r.fails.Add("connect_failed", err.Error())
			}
			return
		}
		lat.Add(time.Since(t))
		conns[i] = c
	})
	// Dials that never started (the run's timeout) are not counted above.
	if missing := len(cookies) - int(done.Load()); missing > 0 {
		r.fails.AddN("connect_not_started", missing, "the run ended first")
	}
	return conns
}

// progress logs done/total every second until stopped.
func (r *Run) progress(what string, done *atomic.Int64, total int64) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				r.logf("  %s %d/%d", what, done.Load(), total)
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

func countConns(conns []*sioclient.Conn) int {
	n := 0
	for _, c := range conns {
		if c != nil {
			n++
		}
	}
	return n
}

// closeAll closes the connections in parallel.
func (r *Run) closeAll(conns []*sioclient.Conn) {
	parallel(context.Background(), len(conns), 256, func(i int) {
		if conns[i] != nil {
			conns[i].Close()
		}
	})
}

// createChats creates one chat per socket, for socket i's user.
func (r *Run) createChats(ctx context.Context, owner func(i int) *User, n int) ([]int64, error) {
	t := time.Now()
	chats := make([]int64, n)
	var fails Failures
	parallel(ctx, n, r.cfg.SetupConcurrency, func(i int) {
		id, err := r.rest.CreateChat(ctx, owner(i))
		if err != nil {
			fails.Add("chat_create", err.Error())
			return
		}
		chats[i] = id
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("creating %d chats: %w", n, err)
	}
	if fails.Total() > 0 {
		return nil, fmt.Errorf("%d of %d chat creations failed: %s", fails.Total(), n, fails.First())
	}
	r.logf("created %d chats in %s", n, time.Since(t).Round(time.Millisecond))
	return chats, nil
}

// cpuFields reports the CPU the service and this tool used during a phase
// of length wall that did units of work (replies, requests).
func (r *Run) cpuFields(serverBefore, selfBefore, wall time.Duration, units int64) {
	s := r.summary
	if after := readCPU(r.cfg.PID); serverBefore >= 0 && after >= 0 {
		used := after - serverBefore
		s.Set("server_cpu_s", round2(used.Seconds()))
		s.Set("server_cpu_util", round2(used.Seconds()/wall.Seconds()))
		if units > 0 {
			s.Set("server_cpu_us_per_op", round2(float64(used.Microseconds())/float64(units)))
		}
		r.logf("service CPU %.2fs over %.2fs (%.0f%% of one core)", used.Seconds(), wall.Seconds(), 100*used.Seconds()/wall.Seconds())
	}
	if after := readCPU(os.Getpid()); selfBefore >= 0 && after >= 0 {
		s.Set("client_cpu_s", round2((after - selfBefore).Seconds()))
	}
}

// ---------------------------------------------------------------- connect

func (r *Run) connect(ctx context.Context) error {
	cfg := r.cfg
	s := r.summary
	s.Set("sockets", cfg.N)
	nUsers := r.usersFor(cfg.N)
	s.Set("users", nUsers)
	users, err := r.signup(ctx, "u", nUsers)
	if err != nil {
		return err
	}
	cookies := make([]string, cfg.N)
	for i := range cookies {
		cookies[i] = users[i/cfg.SocketsPerUser].Cookie
	}

	rssBefore := r.rss()
	d := sioclient.NewDialer(cfg.base, cfg.Origin, cfg.Transport, 8, cfg.N)
	var lat Samples
	t0 := time.Now()
	conns := r.dialAll(ctx, d, cookies, &lat)
	connectWall := time.Since(t0)
	defer r.closeAll(conns)
	connected := countConns(conns)
	rssConnected := r.rss()
	r.logf("%d/%d sockets connected in %s (server RSS %s)", connected, cfg.N, connectWall.Round(time.Millisecond), kib(rssConnected))

	// Hold.
	holdStart := time.Now()
	tk := time.NewTicker(time.Second)
	timer := time.NewTimer(cfg.Hold)
	alive := connected
hold:
	for {
		select {
		case <-ctx.Done():
			break hold
		case <-timer.C:
			break hold
		case <-tk.C:
			now := aliveCount(conns)
			if now != alive || int(time.Since(holdStart).Round(time.Second)/time.Second)%5 == 0 {
				r.logf("  holding: %d/%d up", now, connected)
			}
			alive = now
		}
	}
	tk.Stop()
	timer.Stop()
	held := time.Since(holdStart)
	alive = aliveCount(conns)
	var dropErr string
	for _, c := range conns {
		if c != nil && !c.Alive() {
			dropErr = fmt.Sprint(c.Err())
			break
		}
	}
	r.fails.AddN("drop", connected-alive, dropErr)
	rssAfter := r.rss()
	r.logf("held %s: %d/%d sockets still up (server RSS %s)", held.Round(time.Millisecond), alive, connected, kib(rssAfter))

	lats := lat.Sorted()
	s.Set("connected", connected)
	s.Set("stayed_up", alive)
	s.Set("hold_s", round2(held.Seconds()))
	s.Set("connect_wall_s", round2(connectWall.Seconds()))
	if connectWall > 0 {
		s.Set("connects_per_s", round2(float64(connected)/connectWall.Seconds()))
	}
	s.latencyFields("connect", lats)
	if rssBefore >= 0 && rssAfter >= 0 {
		s.Set("rss_before_kib", rssBefore)
		s.Set("rss_connected_kib", rssConnected)
		s.Set("rss_after_kib", rssAfter)
		if alive > 0 {
			per := float64(rssAfter-rssBefore) / float64(alive)
			s.Set("rss_per_socket_kib", round2(per))
			r.logf("server RSS %s -> %s: %.2f KiB per socket", kib(rssBefore), kib(rssAfter), per)
		}
	}
	if self, err := readRSS(os.Getpid()); err == nil {
		s.Set("client_rss_kib", self)
	}
	r.logf("connect latency p50 %.2f ms, p99 %.2f ms", ms(percentile(lats, 0.5)), ms(percentile(lats, 0.99)))
	return nil
}

func aliveCount(conns []*sioclient.Conn) int {
	n := 0
	for _, c := range conns {
		if c != nil && c.Alive() {
			n++
		}
	}
	return n
}

func kib(v int64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(v)/1024)
}

// ---------------------------------------------------------------- stream

// eventBuf is the event channel capacity of a streaming socket: a whole reply fits.
func (r *Run) eventBuf() int {
	if r.cfg.ExpectTokens == 0 {
		return 1024
	}
	return r.cfg.ExpectTokens + 32
}

// replyRec is one verified reply.
type replyRec struct {
	emit       time.Time
	firstToken time.Duration
	total      time.Duration
	tokens     int
}

// exchange sends one message on c and waits for its reply, verifying it.
// ok is true for a correct reply; broken is true when the socket can no
// longer be used (dropped, timed out: later events would be misattributed).
func (r *Run) exchange(ctx context.Context, c *sioclient.Conn, chatID int64, message string) (rec replyRec, ok, broken bool) {
	return r.exchangeTraced(ctx, c, chatID, message, nil)
}

// exchangeTraced is exchange that, when trace is not nil, also keeps the
// reply's tokens, their arrival times and its message_complete, for the
// watchers' check.
func (r *Run) exchangeTraced(ctx context.Context, c *sioclient.Conn, chatID int64, message string, trace *turnTrace) (rec replyRec, ok, broken bool) {
	cfg := r.cfg
	// Nothing should be pending between two replies.
	for drained := false; !drained; {
		select {
		case ev := <-c.Events:
			r.fails.Add("unexpected_event", ev.Name+" "+string(ev.Data))
		default:
			drained = true
		}
	}
	timer := time.NewTimer(cfg.ReplyTimeout)
	defer timer.Stop()
	rec.emit = time.Now()
	if err := c.Emit("send_message", map[string]any{"chat_id": chatID, "message": message}); err != nil {
		r.fails.Add("emit_failed", err.Error())
		return rec, false, true
	}
	var text strings.Builder
	gone := c.Done()
	for {
		var ev sioclient.Event
		select {
		case ev = <-c.Events:
		case <-gone:
			// Events that came before the end still count.
			select {
			case ev = <-c.Events:
			default:
				r.fails.Add("drop", fmt.Sprintf("socket ended after %d tokens: %v", rec.tokens, c.Err()))
				return rec, false, true
			}
		case <-timer.C:
			r.fails.Add("reply_timeout", fmt.Sprintf("no message_complete within %s (%d tokens)", cfg.ReplyTimeout, rec.tokens))
			return rec, false, true
		case <-ctx.Done():
			r.fails.Add("interrupted", fmt.Sprintf("run timeout after %d tokens", rec.tokens))
			return rec, false, true
		}
		switch ev.Name {
		case "message_token":
			tok, ok := sioclient.TokenText(ev.Data)
			if !ok {
				r.fails.Add("bad_token", string(ev.Data))
				return rec, false, true
			}
			if rec.tokens == 0 {
				rec.firstToken = ev.At.Sub(rec.emit)
			}
			rec.tokens++
			text.WriteString(tok)
			if trace != nil {
				trace.tokens = append(trace.tokens, tok)
				trace.at = append(trace.at, ev.At)
			}
		case "message_complete":
			rec.total = ev.At.Sub(rec.emit)
			var done struct {
				MessageID *int64  `json:"message_id"`
				FullText  *string `json:"full_text"`
			}
			if err := json.Unmarshal(ev.Data, &done); err != nil || done.MessageID == nil || done.FullText == nil {
				r.fails.Add("bad_complete", string(ev.Data))
				return rec, false, false
			}
			var problems []string
			kind := ""
			add := func(k, p string) {
				if kind == "" {
					kind = k
				}
				problems = append(problems, p)
			}
			if *done.MessageID <= 0 {
				add("bad_message_id", fmt.Sprintf("message_id %d", *done.MessageID))
			}
			if text.String() != *done.FullText {
				add("tokens_mismatch", fmt.Sprintf("tokens joined %q != full_text %q", clip(text.String()), clip(*done.FullText)))
			}
			if cfg.ExpectTokens > 0 && rec.tokens != cfg.ExpectTokens {
				add("token_count", fmt.Sprintf("%d tokens, want %d", rec.tokens, cfg.ExpectTokens))
			}
			if cfg.VerifyText {
				if want := fakeai.Reply(message, cfg.ExpectTokens); *done.FullText != want {
					add("wrong_text", fmt.Sprintf("full_text %q, want %q", clip(*done.FullText), clip(want)))
				}
			}
			if kind != "" {
				r.fails.Add(kind, strings.Join(problems, "; "))
				return rec, false, false
			}
			if trace != nil {
				trace.ok, trace.messageID, trace.fullText = true, *done.MessageID, *done.FullText
			}
			return rec, true, false
		case "error":
			var e struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(ev.Data, &e)
			r.fails.Add("error_event", e.Message)
			return rec, false, false
		default:
			r.fails.Add("unexpected_event", ev.Name+" "+string(ev.Data))
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:40] + "…" + s[len(s)-30:]
	}
	return s
}

// benchMessage is the text of message j of socket i: unique, so a reply
// that went to the wrong socket fails the echo check.
func (r *Run) benchMessage(i, j int) string {
	return "bench " + r.cfg.RunID + " socket " + strconv.Itoa(i) + " message " + strconv.Itoa(j)
}

func (r *Run) stream(ctx context.Context) error {
	cfg := r.cfg
	s := r.summary
	s.Set("sockets", cfg.N)
	s.Set("messages", cfg.M)
	nUsers := r.usersFor(cfg.N)
	s.Set("users", nUsers)
	users, err := r.signup(ctx, "u", nUsers)
	if err != nil {
		return err
	}
	stormUsers, err := r.signup(ctx, "storm", cfg.Storm)
	if err != nil {
		return err
	}
	owner := func(i int) *User { return users[i/cfg.SocketsPerUser] }
	chats, err := r.createChats(ctx, owner, cfg.N)
	if err != nil {
		return err
	}
	cookies := make([]string, cfg.N)
	for i := range cookies {
		cookies[i] = owner(i).Cookie
	}
	d := sioclient.NewDialer(cfg.base, cfg.Origin, cfg.Transport, r.eventBuf(), cfg.N)
	var connLat Samples
	conns := r.dialAll(ctx, d, cookies, &connLat)
	defer r.closeAll(conns)
	connected := countConns(conns)
	r.logf("%d/%d sockets connected", connected, cfg.N)
	r.fails.AddN("not_sent", (cfg.N-connected)*cfg.M, "socket did not connect")
	watchers := r.dialWatchers(ctx, conns, cookies, chats)
	defer func() {
		for _, ws := range watchers {
			r.closeAll(ws)
		}
	}()
	traces := make([][]turnTrace, cfg.N)
	rssBefore := r.rss()
	cpuBefore, selfBefore := readCPU(cfg.PID), readCPU(os.Getpid())

	var (
		recMu   sync.Mutex
		recs    = make([]replyRec, 0, connected*cfg.M)
		okCount atomic.Int64
		tokens  atomic.Int64
		wg      sync.WaitGroup
		gate    = make(chan struct{})
		// The watchers: their goroutines, turns verified, token delays.
		watchWG    sync.WaitGroup
		watchOK    atomic.Int64
		watchDelay Samples
	)
	for i, c := range conns {
		if c == nil {
			continue
		}
		senderDone := make(chan struct{})
		for _, w := range watchers[i] {
			if w == nil {
				continue
			}
			watchWG.Add(1)
			go func() {
				defer watchWG.Done()
				watched := r.watchTurns(ctx, w, senderDone)
				<-senderDone
				r.checkWatched(i, chats[i], traces[i], watched, &watchOK, &watchDelay)
			}()
		}
		if cfg.Watchers > 0 {
			traces[i] = make([]turnTrace, cfg.M)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(senderDone)
			<-gate
			for j := range cfg.M {
				var trace *turnTrace
				if traces[i] != nil {
					trace = &traces[i][j]
				}
				rec, ok, broken := r.exchangeTraced(ctx, c, chats[i], r.benchMessage(i, j), trace)
				if ok {
					okCount.Add(1)
					tokens.Add(int64(rec.tokens))
					recMu.Lock()
					recs = append(recs, rec)
					recMu.Unlock()
				}
				if broken {
					r.fails.AddN("not_sent", cfg.M-j-1, "socket unusable after an earlier failure")
					c.Close()
					return
				}
			}
		}()
	}

	// The login storm, beside the streams.
	var (
		stormLat             Samples
		stormWG              sync.WaitGroup
		stormStart, stormEnd time.Time
		streamsDone          = make(chan struct{})
		stormLate            atomic.Bool
	)
	t0 := time.Now()
	if cfg.Storm > 0 {
		stormWG.Add(1)
		go func() {
			defer stormWG.Done()
			timer := time.NewTimer(cfg.StormAt)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
			select {
			case <-streamsDone:
				stormLate.Store(true)
			default:
			}
			r.logf("login storm: %d concurrent logins", cfg.Storm)
			var lwg sync.WaitGroup
			lgate := make(chan struct{})
			for k := range cfg.Storm {
				lwg.Add(1)
				go func() {
					defer lwg.Done()
					<-lgate
					t := time.Now()
					_, err := r.rest.Login(ctx, stormUsers[k].Email)
					if err != nil {
						r.fails.Add("storm_login", err.Error())
						return
					}
					stormLat.Add(time.Since(t))
				}()
			}
			stormStart = time.Now()
			close(lgate)
			lwg.Wait()
			stormEnd = time.Now()
			r.logf("login storm done in %s", stormEnd.Sub(stormStart).Round(time.Millisecond))
		}()
	}
	stopProgress := r.progress("replies", &okCount, int64(connected*cfg.M))
	close(gate)
	wg.Wait()
	wall := time.Since(t0)
	close(streamsDone)
	stopProgress()
	watchWG.Wait()
	stormWG.Wait()
	rssAfter := r.rss()
	r.cpuFields(cpuBefore, selfBefore, wall, okCount.Load())

	// Results.
	var ft, rt []time.Duration
	var ftStorm []time.Duration
	for _, rec := range recs {
		ft = append(ft, rec.firstToken)
		rt = append(rt, rec.total)
		if cfg.Storm > 0 && !stormStart.IsZero() {
			if !rec.emit.After(stormEnd) && !rec.emit.Add(rec.firstToken).Before(stormStart) {
				ftStorm = append(ftStorm, rec.firstToken)
			}
		}
	}
	slices.Sort(ft)
	slices.Sort(rt)
	slices.Sort(ftStorm)
	ok := okCount.Load()
	s.Set("connected", connected)
	s.Set("replies", ok)
	s.Set("expected_replies", cfg.N*cfg.M)
	s.Set("tokens", tokens.Load())
	s.Set("stream_wall_s", round2(wall.Seconds()))
	s.Set("replies_per_s", round2(float64(ok)/wall.Seconds()))
	s.Set("tokens_per_s", round2(float64(tokens.Load())/wall.Seconds()))
	s.latencyFields("first_token", ft)
	s.latencyFields("reply", rt)
	cl := connLat.Sorted()
	s.Set("connect_p50_ms", ms(percentile(cl, 0.5)))
	s.Set("connect_p99_ms", ms(percentile(cl, 0.99)))
	r.logf("%d/%d replies verified in %s: %.1f replies/s, %.0f tokens/s", ok, cfg.N*cfg.M, wall.Round(time.Millisecond),
		float64(ok)/wall.Seconds(), float64(tokens.Load())/wall.Seconds())
	r.logf("first token p50 %.2f ms p99 %.2f ms; reply p50 %.2f ms p99 %.2f ms",
		ms(percentile(ft, 0.5)), ms(percentile(ft, 0.99)), ms(percentile(rt, 0.5)), ms(percentile(rt, 0.99)))
	if cfg.Watchers > 0 {
		dl := watchDelay.Sorted()
		s.Set("watchers", countWatchers(watchers))
		s.Set("watched_turns_ok", watchOK.Load())
		s.Set("watched_turns_expected", int64(cfg.Watchers)*ok)
		s.latencyFields("watcher_delay", dl)
		r.logf("watchers: %d turns verified of %d; token at the watcher after the sender p50 %.2f ms p99 %.2f ms",
			watchOK.Load(), int64(cfg.Watchers)*ok, ms(percentile(dl, 0.5)), ms(percentile(dl, 0.99)))
	}
	if cfg.Storm > 0 {
		sl := stormLat.Sorted()
		s.Set("storm_logins", cfg.Storm)
		s.Set("storm_ok", len(sl))
		s.latencyFields("storm_login", sl)
		if !stormStart.IsZero() {
			s.Set("storm_wall_ms", ms(stormEnd.Sub(stormStart)))
			s.Set("storm_overlapping_replies", len(ftStorm))
			s.Set("first_token_p99_during_storm_ms", ms(percentile(ftStorm, 0.99)))
			r.logf("login storm: %d/%d ok, login p50 %.2f ms p99 %.2f ms; first token p99 of the %d replies waiting during it: %.2f ms",
				len(sl), cfg.Storm, ms(percentile(sl, 0.5)), ms(percentile(sl, 0.99)), len(ftStorm), ms(percentile(ftStorm, 0.99)))
		}
		if stormLate.Load() {
			r.logf("warning: the streams ended before the storm fired; lower -storm-at or raise -m")
			s.Set("storm_after_streams", true)
		}
	}
	if rssBefore >= 0 && rssAfter >= 0 {
		s.Set("rss_before_kib", rssBefore)
		s.Set("rss_after_kib", rssAfter)
	}
	return nil
}

// ---------------------------------------------------------------- rest

func (r *Run) restScenario(ctx context.Context) error {
	cfg := r.cfg
	s := r.summary
	s.Set("workers", cfg.Workers)
	users, err := r.signup(ctx, "rest", cfg.Workers)
	if err != nil {
		return err
	}
	chats, err := r.createChats(ctx, func(i int) *User { return users[i] }, cfg.Workers)
	if err != nil {
		return err
	}
	// Fill each chat with -rest-messages exchanges over Socket.IO.
	if cfg.RestMessages > 0 {
		t := time.Now()
		cookies := make([]string, cfg.Workers)
		for i := range cookies {
			cookies[i] = users[i].Cookie
		}
		d := sioclient.NewDialer(cfg.base, cfg.Origin, cfg.Transport, r.eventBuf(), cfg.Workers)
		var lat Samples
		conns := r.dialAll(ctx, d, cookies, &lat)
		parallel(ctx, cfg.Workers, cfg.Workers, func(i int) {
			if conns[i] == nil {
				return
			}
			for j := range cfg.RestMessages {
				if _, ok, broken := r.exchange(ctx, conns[i], chats[i], r.benchMessage(i, j)); !ok || broken {
					return
				}
			}
		})
		r.closeAll(conns)
		if n := r.fails.Total(); n > 0 {
			return fmt.Errorf("filling the chats: %d failures", n)
		}
		r.logf("filled %d chats with %d messages each in %s", cfg.Workers, 2*cfg.RestMessages, time.Since(t).Round(time.Millisecond))
	}
	wantMessages := 2 * cfg.RestMessages

	var (
		all, list, msgs Samples
		requests        atomic.Int64
		wg              sync.WaitGroup
	)
	rctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	cpuBefore, selfBefore := readCPU(cfg.PID), readCPU(os.Getpid())
	t0 := time.Now()
	for w := range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, chat := users[w], chats[w]
			msgPath := "/api/chat/" + strconv.FormatInt(chat, 10) + "/messages"
			for i := 0; rctx.Err() == nil; i++ {
				path, into := "/api/chat/list", &list
				if i%2 == 1 {
					path, into = msgPath, &msgs
				}
				t := time.Now()
				st, body, err := r.rest.Get(rctx, u, path)
				d := time.Since(t)
				if err != nil {
					if rctx.Err() != nil {
						return // the run's end cut this request short: not counted
					}
					requests.Add(1)
					r.fails.Add("http_error", err.Error())
					continue
				}
				requests.Add(1)
				if st != http.StatusOK {
					r.fails.Add("http_"+strconv.Itoa(st), path+" "+shortBody(body))
					continue
				}
				if msg := checkRESTBody(path == msgPath, body, chat, wantMessages); msg != "" {
					r.fails.Add("bad_body", path+": "+msg)
					continue
				}
				all.Add(d)
				into.Add(d)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	a, l, m := all.Sorted(), list.Sorted(), msgs.Sorted()
	n := requests.Load()
	r.cpuFields(cpuBefore, selfBefore, wall, n)
	s.Set("requests", n)
	s.Set("ok", len(a))
	s.Set("duration_s", round2(wall.Seconds()))
	s.Set("req_per_s", round2(float64(n)/wall.Seconds()))
	s.latencyFields("req", a)
	s.Set("list_p50_ms", ms(percentile(l, 0.5)))
	s.Set("list_p99_ms", ms(percentile(l, 0.99)))
	s.Set("messages_p50_ms", ms(percentile(m, 0.5)))
	s.Set("messages_p99_ms", ms(percentile(m, 0.99)))
	r.logf("%d requests in %s: %.1f req/s, p50 %.2f ms, p99 %.2f ms (list p99 %.2f ms, messages p99 %.2f ms)",
		n, wall.Round(time.Millisecond), float64(n)/wall.Seconds(), ms(percentile(a, 0.5)), ms(percentile(a, 0.99)),
		ms(percentile(l, 0.99)), ms(percentile(m, 0.99)))
	return nil
}

// checkRESTBody verifies a chat list (the worker's one chat) or a message
// list (wantMessages, alternating user/assistant); "" when it is right.
func checkRESTBody(messages bool, body []byte, chat int64, wantMessages int) string {
	if messages {
		var out struct {
			Messages []struct {
				ID     int64  `json:"id"`
				ChatID int64  `json:"chat_id"`
				Role   string `json:"role"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return "not JSON: " + shortBody(body)
		}
		if len(out.Messages) != wantMessages {
			return fmt.Sprintf("%d messages, want %d", len(out.Messages), wantMessages)
		}
		for i, m := range out.Messages {
			want := "user"
			if i%2 == 1 {
				want = "assistant"
			}
			if m.ChatID != chat || m.Role != want || m.ID <= 0 {
				return fmt.Sprintf("message %d: %+v", i, m)
			}
		}
		return ""
	}
	var out struct {
		Chats []struct {
			ID           int64 `json:"id"`
			MessageCount int   `json:"message_count"`
		} `json:"chats"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "not JSON: " + shortBody(body)
	}
	if len(out.Chats) != 1 || out.Chats[0].ID != chat || out.Chats[0].MessageCount != wantMessages {
		return fmt.Sprintf("chats %+v, want one chat %d with %d messages", out.Chats, chat, wantMessages)
	}
	return ""
}
