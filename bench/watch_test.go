package main

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/sioclient"
	"github.com/amanda-platform/amanda-backend/sioclient/fakesio"
)

// TestWatcherSeesEveryTurn checks the watchers' verification (-watchers)
// against the fake endpoint, which answers watch_chat as the service does,
// over both transports: a watcher of the sender's chat sees each turn as
// the sender did, and a watcher of another chat sees none.
func TestWatcherSeesEveryTurn(t *testing.T) {
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			srv := httptest.NewServer(&fakesio.Server{Tokens: 4})
			defer srv.Close()
			base, _ := url.Parse(srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			cfg := &Config{M: 3, Watchers: 1, ExpectTokens: 4, VerifyText: true, ReplyTimeout: 5 * time.Second,
				SetupConcurrency: 4, RunID: "t", Quiet: true, base: base, Origin: "http://localhost:8000", Transport: transport}
			r := &Run{cfg: cfg, out: io.Discard, start: time.Now(), summary: NewSummary("test")}
			d := sioclient.NewDialer(base, cfg.Origin, transport, r.eventBuf(), 4)
			sender, err := d.Dial(ctx, fakesio.GoodCookie)
			if err != nil {
				t.Fatal(err)
			}
			defer sender.Close()
			// Sender 0 streams in chat 1; sender 1 (never streaming) has chat 2.
			senders := []*sioclient.Conn{sender, sender}
			watchers := r.dialWatchers(ctx, senders, []string{fakesio.GoodCookie, fakesio.GoodCookie}, []int64{1, 2})
			if len(watchers[0]) != 1 || watchers[0][0] == nil || len(watchers[1]) != 1 || watchers[1][0] == nil {
				t.Fatalf("watchers %v, failures %v", watchers, r.fails.ByKind())
			}
			defer r.closeAll(watchers[0])
			defer r.closeAll(watchers[1])

			senderDone := make(chan struct{})
			var seen, other []watchedTurn
			got := make(chan struct{}, 2)
			go func() { seen = r.watchTurns(ctx, watchers[0][0], senderDone); got <- struct{}{} }()
			go func() { other = r.watchTurns(ctx, watchers[1][0], senderDone); got <- struct{}{} }()
			traces := make([]turnTrace, cfg.M)
			for j := range cfg.M {
				if _, ok, broken := r.exchangeTraced(ctx, sender, 1, r.benchMessage(0, j), &traces[j]); !ok || broken {
					t.Fatalf("exchange %d: failures %v", j, r.fails.ByKind())
				}
			}
			close(senderDone)
			<-got
			<-got
			var ok atomic.Int64
			var delays Samples
			r.checkWatched(0, 1, traces, seen, &ok, &delays)
			if ok.Load() != 3 || delays.Len() != 3*4 || r.fails.Total() != 0 {
				t.Fatalf("%d turns verified, %d delays, failures %v", ok.Load(), delays.Len(), r.fails.ByKind())
			}
			if len(other) != 0 {
				t.Errorf("the other chat's watcher saw %d turns", len(other))
			}

			// What a watcher saw differently from its sender is a failure of its kind.
			bad := seen[1]
			bad.tokens = append([]string{"x"}, bad.tokens[1:]...)
			if kind, _ := compareTurn(1, r.benchMessage(0, 1), traces[1], bad); kind != "watcher_tokens_mismatch" {
				t.Errorf("a changed token: %q", kind)
			}
			bad = seen[1]
			bad.seqs = []int{1, 2, 4, 5}
			if kind, _ := compareTurn(1, r.benchMessage(0, 1), traces[1], bad); kind != "watcher_bad_seq" {
				t.Errorf("a skipped seq: %q", kind)
			}
			bad = seen[1]
			bad.user.Content = "another message"
			if kind, _ := compareTurn(1, r.benchMessage(0, 1), traces[1], bad); kind != "watcher_bad_user_message" {
				t.Errorf("another user_message: %q", kind)
			}
			r.checkWatched(0, 1, traces, seen[:2], &ok, &delays)
			if k := r.fails.ByKind(); k["watcher_missing_turn"] != 1 {
				t.Errorf("a missing turn: failures %v", k)
			}
		})
	}
}
