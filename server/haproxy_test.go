package server_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// Indexes of the two instances behind the balancer.
const (
	instanceA = 0
	instanceB = 1
)

// balancedFleet is two instances sharing one PostgreSQL database and a
// Redis of the test's own (sessions, the Socket.IO message queue, every
// rate limit), behind HAProxy configured as in production.
type balancedFleet struct {
	instances []*servertest.Server
	lb        *servertest.Balancer
	redis     *servertest.Redis
}

func startBalancedFleet(t *testing.T, opts fakeai.Options, configure ...func(*server.Config)) balancedFleet {
	t.Helper()
	if os.Getenv("TEST_DATABASE_URL") == "" && os.Getenv("CI") == "true" {
		t.Fatal("TEST_DATABASE_URL is not set (CI=true: the HAProxy tests must run, not skip)")
	}
	_, databaseURL := storetest.Postgres(t)
	redis := servertest.StartRedis(t)
	shared := append([]func(*server.Config){
		servertest.UseAI(t, fakeaitest.Start(t, opts)),
		func(c *server.Config) {
			c.SessionType, c.SessionRedis = "redis", redis.URL
			if err := c.SocketIOMessageQueue.EnvDecode(t.Context(), redis.URL); err != nil {
				t.Fatal(err)
			}
			if err := c.RateLimitStorage.UnmarshalText([]byte(redis.URL)); err != nil {
				t.Fatal(err)
			}
			// As TRUSTED_PROXIES names the balancer in production.
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		},
	}, configure...)
	a, b := servertest.Start(t, databaseURL, shared...), servertest.Start(t, databaseURL, shared...)
	return balancedFleet{instances: []*servertest.Server{a, b}, lb: servertest.StartHAProxy(t, a, b), redis: redis}
}

// withDefaultLimits turns the rate limits on at their defaults (login: 10
// a minute per address and per email).
func withDefaultLimits(c *server.Config) { c.RateLimitEnabled = true }

// socketOn connects a socket.io-client through the balancer to one instance
// and checks that it landed there.
func (f balancedFleet) socketOn(t *testing.T, instance int, cookie string, transport ...string) *sioClient {
	t.Helper()
	before := metric(t, f.instances[instance], "amanda_socketio_connections")
	c := newSIOClient(t)
	c.mustConnect(f.lb.PinnedTo(instance), cookie, transport...)
	if after := metric(t, f.instances[instance], "amanda_socketio_connections"); after != before+1 {
		t.Fatalf("the socket pinned to instance %d is not there: its connections went from %v to %v", instance, before, after)
	}
	return c
}

// logoutOn logs the user out through the balancer, on one instance.
func (f balancedFleet) logoutOn(t *testing.T, instance int, u chatUser) {
	t.Helper()
	expect(t, u.doWithHeader("POST", "/api/auth/logout", nil, f.lb.Pin(instance)), 200, "")
}

// expectDisconnectedWithin fails unless c's socket is disconnected within
// d of start; it waits no longer than that (next would wait 20s).
func expectDisconnectedWithin(t *testing.T, c *sioClient, start time.Time, d time.Duration) {
	t.Helper()
	select {
	case e, ok := <-c.events:
		if !ok {
			t.Fatal("the Node driver exited")
		}
		if e.Event != "disconnect" {
			t.Fatalf("the socket got %s %s, want disconnect", e.Event, e.Data)
		}
	case <-time.After(time.Until(start.Add(d))):
		t.Fatalf("the socket is still connected %s after the logout", d)
	}
}

// The balancer's template keeps production's rules: every line of
// deploy/compose/haproxy.cfg's defaults, frontend and backends but the
// addresses and the check timing is in the configuration the tests run.
func TestHAProxyConfigFollowsProduction(t *testing.T) {
	lb := servertest.StartHAProxy(t, servertest.StartSQLite(t))
	production, err := os.ReadFile("../deploy/compose/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	testLines := map[string]bool{}
	for _, line := range strings.Split(lb.Config, "\n") {
		testLines[strings.Join(strings.Fields(line), " ")] = true
	}
	section := ""
	for _, line := range strings.Split(string(production), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "defaults") || strings.HasPrefix(line, "frontend ") || strings.HasPrefix(line, "backend ") ||
			strings.HasPrefix(line, "global") || strings.HasPrefix(line, "resolvers ") {
			section = strings.Fields(line)[0]
		}
		if section == "global" || section == "resolvers" {
			continue
		}
		first := strings.Fields(line)[0]
		if first == "bind" || first == "server-template" || first == "default-server" {
			continue
		}
		if !testLines[line] {
			t.Errorf("the test balancer lacks production's %q", line)
		}
	}
	if t.Failed() {
		t.Log(lb.Config)
	}
}

func TestHAProxyLogoutOnOneInstanceEndsTheSocketOnTheOther(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens})
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			u := newChatUser(t, f.lb.Server(), "lb-logout-"+name+"@example.com")
			onB := f.socketOn(t, instanceB, u.cookie, tr...)
			start := time.Now()
			f.logoutOn(t, instanceA, u)
			expectDisconnectedWithin(t, onB, start, time.Second)
		})
	}
}

func TestHAProxyLoginLimitCountsAcrossInstances(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens}, withDefaultLimits)
	newBrowser(t, f.lb.Server()).signup("lb-login@example.com", "password123")
	login := func(header http.Header) response {
		return newBrowser(t, f.lb.Server()).doWithHeader("POST", "/api/auth/login",
			map[string]string{"email": "lb-login@example.com", "password": "password123"}, header)
	}
	// Round robin: the ten logins the limit allows alternate instances.
	for range 10 {
		expect(t, login(nil), 200, "")
	}
	served := map[int]float64{}
	for i, srv := range f.instances {
		served[i] = metric(t, srv, `amanda_http_requests_total{method="POST",route="/api/auth/login",status="200"}`)
	}
	if served[instanceA] < 1 || served[instanceB] < 1 || served[instanceA]+served[instanceB] != 10 {
		t.Fatalf("logins served per instance: %v, want both some of 10", served)
	}
	// The eleventh is refused on either instance.
	for i := range f.instances {
		expectTooMany(t, login(f.lb.Pin(i)))
	}
}

func TestHAProxyOneChatFromTwoInstancesRepliesInTurn(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens, Delay: 20 * time.Millisecond})
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			u := newChatUser(t, f.lb.Server(), "lb-turns-"+name+"@example.com")
			tabs := map[string]*sioClient{
				"from the tab on A": f.socketOn(t, instanceA, u.cookie, tr...),
				"from the tab on B": f.socketOn(t, instanceB, u.cookie, tr...),
			}
			for message, c := range tabs {
				c.sendMessage(u.chatID, message)
			}
			for message, c := range tabs {
				got := strings.Join(tokensOf(t, c.until("message_complete")), "")
				if want := fakeai.Reply(message, fakeTokens); got != want {
					t.Fatalf("the reply to %q streamed %q, want %q", message, got, want)
				}
			}
			expectStoredInTurn(t, u.storedMessages(t), len(tabs))
		})
	}
}

// expectStoredInTurn checks a chat's history is turns times question and
// answer, each answer the fake model's reply to the question before it.
func expectStoredInTurn(t *testing.T, stored []map[string]any, turns int) {
	t.Helper()
	if len(stored) != 2*turns {
		t.Fatalf("stored %d messages: %v", len(stored), stored)
	}
	for i := 0; i < len(stored); i += 2 {
		question, answer := stored[i], stored[i+1]
		if question["role"] != "user" || answer["role"] != "assistant" ||
			answer["content"] != fakeai.Reply(fmt.Sprint(question["content"]), fakeTokens) {
			t.Fatalf("stored out of turn at %d: %v", i, stored)
		}
	}
}
