package main

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/sioclient"
	"github.com/amanda-platform/amanda-backend/sioclient/fakesio"
)

// TestExchangeAgainstFakeServer checks the reply verification of the
// scenarios over both transports (the client itself is tested in sioclient).
func TestExchangeAgainstFakeServer(t *testing.T) {
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			srv := httptest.NewServer(&fakesio.Server{Tokens: 4})
			defer srv.Close()
			base, _ := url.Parse(srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			cfg := &Config{ExpectTokens: 4, VerifyText: true, ReplyTimeout: 5 * time.Second, RunID: "t", Quiet: true, base: base}
			r := &Run{cfg: cfg, out: io.Discard, start: time.Now(), summary: NewSummary("test")}
			d := sioclient.NewDialer(base, "http://localhost:8000", transport, r.eventBuf(), 4)
			c, err := d.Dial(ctx, fakesio.GoodCookie)
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
		})
	}
}
