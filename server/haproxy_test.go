package server_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/fakeai/fakeaitest"
	"github.com/amanda-platform/amanda-backend/ratelimit"
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
	shared := append([]func(*server.Config){servertest.UseAI(t, fakeaitest.Start(t, opts)), fleetConfig(t, redis.URL)}, configure...)
	a, b := servertest.Start(t, databaseURL, shared...), servertest.Start(t, databaseURL, shared...)
	return balancedFleet{instances: []*servertest.Server{a, b}, lb: servertest.StartHAProxy(t, a, b), redis: redis}
}

// withTenLoginsPerTenMinutes turns the rate limits on at their defaults, but for
// ten logins in ten minutes instead of one (per address and per email):
// the limiter is a GCRA, so at 10/minute one login returns to the budget
// every 6s, and ten logins, each hashing a password (about a second apiece
// under -race), can take longer than that. A login then returns every 60s,
// which Retry-After still fits (expectTooMany).
func withTenLoginsPerTenMinutes(c *server.Config) {
	c.RateLimitEnabled = true
	c.RateLimitLogin = ratelimit.Rate{Limit: 10, Period: 10 * time.Minute}
}

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
			// At once, not at the socket's next event (it sends none): a
			// polling socket hears of it at its next poll, and a loaded
			// machine under -race takes its time.
			expectDisconnectedWithin(t, onB, start, 5*time.Second)
		})
	}
}

func TestHAProxyLoginLimitCountsAcrossInstances(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens}, withTenLoginsPerTenMinutes)
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

// Redis restarted while a reply streams and another waits for the chat: no
// reply is lost or stored in part, and once Redis is back the fleet shares
// logouts and limits through it again. While Redis is down a chat's turns
// run without the fleet's lease, so two instances' turns of one chat may
// be stored side by side (chat.Service.lockedReply: a reply is worth more
// than the order across instances).
func TestHAProxyRedisRestartLosesNoReply(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens, Delay: 20 * time.Millisecond}, withTenLoginsPerTenMinutes)
	u := newChatUser(t, f.lb.Server(), "lb-restart@example.com")
	other := newChatUser(t, f.lb.Server(), "lb-restart-other@example.com")
	streaming := f.socketOn(t, instanceA, u.cookie, "websocket")
	waiting := f.socketOn(t, instanceB, u.cookie, "polling")
	otherOnB := f.socketOn(t, instanceB, other.cookie, "websocket")
	subscribed := pubsubClients(t, f.redis)

	long := "a long answer [slow:250]" // 8 tokens over 2s: Redis stops while it streams
	streaming.sendMessage(u.chatID, long)
	first := streaming.next()
	if first.Event != "message_token" {
		t.Fatalf("got %s %s", first.Event, first.Data)
	}
	waiting.sendMessage(u.chatID, "queued behind it")
	time.Sleep(200 * time.Millisecond) // B's turn is now polling for the chat's lease
	f.redis.Stop()
	duringOutage := "sent while Redis is down"
	otherOnB.sendMessage(other.chatID, duringOutage)
	outageOutcome := replyOrError(t, otherOnB)
	f.redis.Start()
	outcome := map[string]string{
		"queued behind it": replyOrError(t, waiting),
		long:               first.field(t, "text").(string) + replyOrError(t, streaming),
	}
	for message, got := range outcome {
		if want := fakeai.Reply(message, fakeTokens); got != want {
			t.Errorf("the reply to %q: %q, want %q", message, got, want)
		}
	}
	stored := u.storedMessages(t)
	expectWholeReplies(t, stored, long, "queued behind it")
	t.Logf("the chat's turns, stored through the outage: %v", stored)

	// A message sent while Redis is down: its socket's session cannot be
	// checked, so it is refused as the service being unavailable and nothing
	// of it is stored; or, should the session be known without Redis, it is
	// answered in full.
	switch outageOutcome {
	case "error: Service temporarily unavailable. Please try again later.":
		t.Log("the message sent while Redis was down was refused")
		expectWholeReplies(t, other.storedMessages(t))
	case fakeai.Reply(duringOutage, fakeTokens):
		t.Log("the message sent while Redis was down was answered")
		expectWholeReplies(t, other.storedMessages(t), duringOutage)
	default:
		t.Errorf("the message sent while Redis was down got %q", outageOutcome)
	}

	// The adapter again: the instances subscribe again, then a logout on A
	// ends the socket on B that lived through the outage.
	for deadline := time.Now().Add(5 * time.Second); pubsubClients(t, f.redis) < subscribed; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("5s after Redis came back the instances hold %d subscriptions of %d", pubsubClients(t, f.redis), subscribed)
		}
	}
	start := time.Now()
	f.logoutOn(t, instanceA, other)
	expectDisconnectedWithin(t, otherOnB, start, 5*time.Second)

	// The limits again, once each instance has probed Redis (at most one
	// probe interval after its last failed call): ten logins alternating
	// instances, then the eleventh refused on both.
	time.Sleep(ratelimit.DefaultProbeInterval)
	login := func(instance int) response {
		return newBrowser(t, f.lb.Server()).doWithHeader("POST", "/api/auth/login",
			map[string]string{"email": "lb-restart@example.com", "password": "password123"}, f.lb.Pin(instance))
	}
	for i := range 10 {
		expect(t, login(i%2), 200, "")
	}
	for i := range f.instances {
		expectTooMany(t, login(i))
		if v := metric(t, f.instances[i], "amanda_ratelimit_storage_degraded"); v != 0 {
			t.Errorf("instance %d still limits from memory", i)
		}
	}
}

// replyOrError is the reply c's socket streams, or the error it gets
// instead, as "error: " and its message.
func replyOrError(t *testing.T, c *sioClient) string {
	t.Helper()
	var tokens []string
	for {
		e := c.next()
		switch e.Event {
		case "message_token":
			tokens = append(tokens, e.field(t, "text").(string))
		case "message_complete":
			return strings.Join(tokens, "")
		case "error":
			return fmt.Sprint("error: ", e.field(t, "message"))
		}
	}
}

// expectWholeReplies checks a chat holds exactly the messages asked and
// the whole reply to each, in whatever order the turns were stored.
func expectWholeReplies(t *testing.T, stored []map[string]any, asked ...string) {
	t.Helper()
	want := map[string]int{}
	for _, message := range asked {
		want["user: "+message]++
		want["assistant: "+fakeai.Reply(message, fakeTokens)]++
	}
	for _, m := range stored {
		want[fmt.Sprint(m["role"], ": ", m["content"])]--
	}
	for message, missing := range want {
		if missing != 0 {
			t.Errorf("stored %d too few of %q; the chat holds %v", missing, message, stored)
		}
	}
}

// pubsubClients counts the connections subscribed in r: the instances'
// Socket.IO adapters.
func pubsubClients(t *testing.T, r *servertest.Redis) int {
	t.Helper()
	opts, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	list, err := client.ClientList(t.Context()).Result()
	if err != nil {
		return 0 // not up yet
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, "flags=P") {
			n++
		}
	}
	return n
}

// TestHAProxyRollingRestartGoesOnOnTheOtherInstance: SIGTERM to the
// instance streaming a reply. Its /ready answers 503 while the reply
// finishes; the client, disconnected, reconnects through the balancer to
// the other instance, and its next message streams there.
func TestHAProxyRollingRestartGoesOnOnTheOtherInstance(t *testing.T) {
	f := startBalancedFleet(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) { c.ShutdownTimeout.Duration = 20 * time.Second })
	u := newChatUser(t, f.lb.Server(), "rolling@example.com")
	c := f.socketOn(t, 0, u.cookie, "websocket")
	msg := "slowly [slow:150]"
	c.sendMessage(u.chatID, msg)
	if e := c.next(); e.Event != "message_token" {
		t.Fatalf("got %s %s", e.Event, e.Data)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- f.instances[0].Shutdown() }()
	waitReady(t, newBrowser(t, f.instances[0]), http.StatusServiceUnavailable, 2*time.Second)

	events := c.until("disconnect")
	if len(events) < 2 || events[len(events)-2].Event != "message_complete" {
		t.Fatalf("the reply did not finish before the socket closed: %v", events)
	}
	t.Logf("the draining instance closed the socket: %s", events[len(events)-1].Data)
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// The reconnect goes through the balancer, which now has only B.
	c.mustConnect(f.lb.Server(), u.cookie, "websocket")
	c.sendMessage(u.chatID, "and now?")
	events = c.until("message_complete")
	if got := strings.Join(tokensOf(t, events), ""); got != fakeai.Reply("and now?", fakeTokens) {
		t.Fatalf("the next reply, on the other instance: %q", got)
	}
	if n := len(u.storedMessages(t)); n != 4 {
		t.Fatalf("stored %d messages, want both turns", n)
	}
}

// TestHAProxyInstanceStartedWithoutTheDatabaseJoinsWhenItIsBack: an
// instance started while PostgreSQL refuses it is out of the balancer's
// rotation (its /ready is 503) and comes in, migrated, once the database
// is back.
func TestHAProxyInstanceStartedWithoutTheDatabaseJoinsWhenItIsBack(t *testing.T) {
	databaseURL := storetest.EmptyPostgres(t)
	name, admin := databaseName(databaseURL)
	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS false`)
	t.Cleanup(func() { storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`) })
	a := servertest.Start(t, databaseURL)
	lb := servertest.StartHAProxy(t, a)
	b := newBrowser(t, lb.Server())
	// Once its checks have failed, the balancer has no instance to send to
	// (and answers with its own page).
	balancerStatus := func() int {
		resp, err := http.Get(lb.URL + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(5 * time.Second)
	for balancerStatus() != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("the balancer kept an instance whose /ready answers 503")
		}
		time.Sleep(50 * time.Millisecond)
	}
	storetest.Exec(t, admin, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`)
	deadline = time.Now().Add(20 * time.Second)
	for balancerStatus() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the instance did not come into rotation once the database was back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.signup("joined@example.com", "password123")
}
