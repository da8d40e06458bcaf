// Command bench load-tests the Amanda backend over its real wire protocols:
// REST with cookie sessions, and Socket.IO v5 / Engine.IO v4 spoken by hand
// over WebSocket or HTTP long polling.
//
// Scenarios (-scenario):
//
//	connect  open -n authenticated sockets, hold them for -hold; report how
//	         many connected and stayed up, connect latency, server RSS per socket
//	stream   -n sockets each send -m messages in sequence; every reply is
//	         verified; replies/s, tokens/s, first-token and reply latency.
//	         -storm K fires K concurrent logins -storm-at into the run
//	storm    stream with -storm 50 unless -storm is given
//	rest     -workers users for -duration alternate GET /api/chat/list and
//	         GET /api/chat/{id}/messages; req/s and latency
//	attack   one signed-in client streams replies, first alone (-attack-baseline),
//	         then beside an unauthenticated attack (-attack handshakes, bodies,
//	         frames or all) for -attack-duration; the service's peak RSS, the
//	         client's first-token latency and lost replies, the attack's answers
//
// Every run is bounded by -timeout, targets loopback only, prints
// human-readable lines and, as its last line, a one-line JSON summary. It
// exits 1 when anything failed (a wrong reply, an error event, a drop, a
// timeout, a non-2xx answer), 2 on bad flags.
//
// The service must run with RATELIMIT_ENABLED=false (signups and messages
// are rate limited by default) and MAX_SOCKETS_PER_USER >= -sockets-per-user,
// except for attack, which signs up one user and keeps the limits on.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config is the run's flags.
type Config struct {
	URL               string
	Scenario          string
	N                 int
	M                 int
	Workers           int
	Duration          time.Duration
	Hold              time.Duration
	Timeout           time.Duration
	Origin            string
	Transport         string
	SocketsPerUser    int
	SignupConcurrency int
	SetupConcurrency  int
	PID               int
	ExpectTokens      int
	VerifyText        bool
	ReplyTimeout      time.Duration
	Storm             int
	StormAt           time.Duration
	Watchers          int
	RestMessages      int
	RunID             string
	Quiet             bool
	CPUProfile        string
	Attack            string
	AttackBaseline    time.Duration
	AttackDuration    time.Duration
	AttackRate        int
	AttackConcurrency int
	AttackN           int
	AttackParallel    int
	AttackBodyMiB     int
	AttackMaxRSSMiB   int

	base            *url.URL
	attackBodyBytes int64 // -attack-body-mib in bytes (smaller in tests)
}

func parseFlags(args []string, errOut io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:5000", "service base URL (loopback only)")
	fs.StringVar(&c.Scenario, "scenario", "stream", "connect | stream | storm | rest | attack")
	fs.IntVar(&c.N, "n", 100, "sockets (connect, stream)")
	fs.IntVar(&c.M, "m", 5, "messages per socket, sent in sequence (stream)")
	fs.IntVar(&c.Workers, "workers", 20, "REST workers, one user each (rest)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long the REST workers run (rest)")
	fs.DurationVar(&c.Hold, "hold", 10*time.Second, "how long the sockets are held open (connect)")
	fs.DurationVar(&c.Timeout, "timeout", 120*time.Second, "bound of the whole run, setup included")
	fs.StringVar(&c.Origin, "origin", "http://localhost:8000", "Origin header (must be in the service's CORS_ORIGINS)")
	fs.StringVar(&c.Transport, "transport", "websocket", "Socket.IO transport: websocket | polling")
	fs.IntVar(&c.SocketsPerUser, "sockets-per-user", 10, "sockets sharing one user (each signup costs a PBKDF2 hash); keep <= the service's MAX_SOCKETS_PER_USER")
	fs.IntVar(&c.SignupConcurrency, "signup-concurrency", 8, "concurrent signups during setup")
	fs.IntVar(&c.SetupConcurrency, "setup-concurrency", 64, "concurrent chat creations and socket dials during setup")
	fs.IntVar(&c.PID, "pid", 0, "service PID for RSS (VmRSS); 0 finds the process listening on the URL's port, -1 skips RSS")
	fs.IntVar(&c.ExpectTokens, "expect-tokens", 50, "tokens per reply (the fake model's --fake-ai-tokens); 0 skips the count check")
	fs.BoolVar(&c.VerifyText, "verify-text", true, "check each reply against fakeai.Reply (turn off against a real model)")
	fs.DurationVar(&c.ReplyTimeout, "reply-timeout", 30*time.Second, "longest wait for one reply's message_complete")
	fs.IntVar(&c.Storm, "storm", 0, "concurrent logins fired during a stream run (0: none)")
	fs.DurationVar(&c.StormAt, "storm-at", time.Second, "when the login storm fires, after the stream starts")
	fs.IntVar(&c.Watchers, "watchers", 0, "extra sockets per streaming socket, of the same user, that watch its chat (watch_chat) and verify every turn (stream)")
	fs.IntVar(&c.RestMessages, "rest-messages", 3, "messages sent (over Socket.IO) into each REST worker's chat during setup")
	fs.StringVar(&c.RunID, "run-id", "", "tag of this run's users bench-<run-id>-<i>@example.com (default: random)")
	fs.BoolVar(&c.Quiet, "q", false, "only the JSON summary")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write the load tool's own CPU profile to this file")
	fs.StringVar(&c.Attack, "attack", "all", "handshakes | bodies | frames | all (attack)")
	fs.DurationVar(&c.AttackBaseline, "attack-baseline", 5*time.Second, "how long the signed-in client streams before the attack (attack)")
	fs.DurationVar(&c.AttackDuration, "attack-duration", 10*time.Second, "how long the attack runs (attack)")
	fs.IntVar(&c.AttackRate, "attack-rate", 2000, "most hostile handshakes or payloads started per second (attack)")
	fs.IntVar(&c.AttackConcurrency, "attack-concurrency", 64, "parallel hostile handshakes (attack handshakes)")
	fs.IntVar(&c.AttackN, "attack-n", 20000, "most hostile handshakes or payloads started in all (attack)")
	fs.IntVar(&c.AttackParallel, "attack-parallel", 10, "parallel hostile bodies or frames (attack bodies, frames)")
	fs.IntVar(&c.AttackBodyMiB, "attack-body-mib", 30, "size of each hostile body or frame in MiB (attack bodies, frames)")
	fs.IntVar(&c.AttackMaxRSSMiB, "attack-max-rss-mib", 0, "fail when the service's RSS during an attack peaks above this (0: no check)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch c.Scenario {
	case "connect", "stream", "rest", "attack":
	case "storm", "login-storm":
		c.Scenario = "stream"
		if c.Storm == 0 {
			c.Storm = 50
		}
	default:
		return nil, fmt.Errorf("-scenario %q: want connect, stream, storm, rest or attack", c.Scenario)
	}
	if c.Attack != "all" && !slices.Contains(attackKinds, c.Attack) {
		return nil, fmt.Errorf("-attack %q: want handshakes, bodies, frames or all", c.Attack)
	}
	if c.AttackBaseline <= 0 || c.AttackDuration <= 0 || c.AttackRate < 1 || c.AttackConcurrency < 1 || c.AttackN < 1 || c.AttackParallel < 1 {
		return nil, errors.New("-attack-baseline, -attack-duration must be > 0; -attack-rate, -attack-concurrency, -attack-n, -attack-parallel >= 1")
	}
	if c.AttackBodyMiB < 1 || c.AttackBodyMiB > maxAttackBodyMiB || c.AttackMaxRSSMiB < 0 {
		return nil, fmt.Errorf("-attack-body-mib must be in [1, %d], -attack-max-rss-mib >= 0", maxAttackBodyMiB)
	}
	c.attackBodyBytes = int64(c.AttackBodyMiB) << 20
	if c.Transport != "websocket" && c.Transport != "polling" {
		return nil, fmt.Errorf("-transport %q: want websocket or polling", c.Transport)
	}
	if c.N < 1 || c.M < 1 || c.Workers < 1 || c.SocketsPerUser < 1 || c.SignupConcurrency < 1 || c.SetupConcurrency < 1 {
		return nil, errors.New("-n, -m, -workers, -sockets-per-user and the concurrencies must be >= 1")
	}
	if c.Timeout <= 0 || c.ReplyTimeout <= 0 || c.Storm < 0 || c.Watchers < 0 || c.ExpectTokens < 0 || c.RestMessages < 0 {
		return nil, errors.New("-timeout and -reply-timeout must be > 0; -storm, -watchers, -expect-tokens, -rest-messages >= 0")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want http://host:port", c.URL)
	}
	u.Path, u.RawQuery, u.Fragment = "", "", ""
	c.base = u
	if c.RunID == "" {
		c.RunID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36) + strconv.Itoa(os.Getpid()%1000)
	}
	return c, nil
}

// startCPUProfile profiles the load tool itself, to tell its cost from the
// service's; the returned func stops and writes the profile.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// checkLoopback refuses any target that is not this machine.
func checkLoopback(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolve %s: no address", host)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return fmt.Errorf("-url %s resolves to %s, not loopback: this tool only targets the local machine", u, a.IP)
		}
	}
	return nil
}

// servicePort is the URL's port number.
func servicePort(u *url.URL) int {
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return n
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// Run is one bench run: its configuration, log and results.
type Run struct {
	cfg      *Config
	out      io.Writer
	start    time.Time
	mu       sync.Mutex
	fails    Failures
	summary  *Summary
	rest     *REST
	timedOut bool
	closed   bool // the summary is out: no more lines
}

// logf prints a human-readable line with the time since the start.
func (r *Run) logf(format string, args ...any) {
	if r.cfg.Quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	fmt.Fprintf(r.out, "[%7.2fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		b, _ := json.Marshal(map[string]any{"error": err.Error(), "failures": 1})
		fmt.Fprintln(stdout, string(b))
		return 2
	}
	if cfg.CPUProfile != "" {
		stopProfile, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 2
		}
		defer stopProfile()
	}
	r := &Run{cfg: cfg, out: stdout, start: time.Now(), summary: NewSummary(cfg.Scenario)}
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sigCtx, cfg.Timeout)
	defer cancel()
	if cfg.Scenario == "connect" && cfg.Hold >= cfg.Timeout {
		r.logf("warning: -hold %s does not fit in -timeout %s: the run will time out", cfg.Hold, cfg.Timeout)
	}

	r.summary.Set("run_id", cfg.RunID)
	if cfg.Scenario != "rest" {
		r.summary.Set("transport", cfg.Transport)
	}
	if err := r.prepare(ctx); err != nil {
		r.fatal(err)
	} else {
		switch cfg.Scenario {
		case "connect":
			err = r.connect(ctx)
		case "stream":
			err = r.stream(ctx)
		case "rest":
			err = r.restScenario(ctx)
		case "attack":
			err = r.attack(ctx)
		}
		if err != nil {
			r.fatal(err)
		}
	}
	switch {
	case sigCtx.Err() != nil:
		r.fails.Add("interrupted", "stopped by a signal")
	case ctx.Err() != nil:
		r.timedOut = true
		r.fails.Add("run_timeout", fmt.Sprintf("the run hit -timeout %s", cfg.Timeout))
	}
	return r.finish(stdout)
}

// fatal records an error that ended the scenario early.
func (r *Run) fatal(err error) {
	r.logf("ERROR: %v", err)
	r.summary.Set("error", err.Error())
	r.fails.Add("fatal", err.Error())
}

// prepare checks the target and the client's limits.
func (r *Run) prepare(ctx context.Context) error {
	cfg := r.cfg
	if err := checkLoopback(ctx, cfg.base); err != nil {
		return err
	}
	limit, err := raiseFileLimit()
	if err != nil {
		r.logf("warning: raising RLIMIT_NOFILE: %v", err)
	}
	need := uint64(cfg.N + cfg.Workers + 64)
	if cfg.Transport == "polling" {
		need = uint64(2*cfg.N + cfg.Workers + 64)
	}
	if cfg.Scenario != "rest" && limit < need {
		r.logf("warning: RLIMIT_NOFILE is %d, the run needs about %d descriptors", limit, need)
	}
	r.rest = newREST(cfg.base, cfg.Origin, max(cfg.SetupConcurrency, cfg.Workers, cfg.Storm, cfg.SignupConcurrency))
	if err := r.rest.Ping(ctx); err != nil {
		return fmt.Errorf("service not reachable at %s: %w", cfg.base, err)
	}
	if cfg.PID == 0 {
		cfg.PID = listenerPID(servicePort(cfg.base))
		if cfg.PID == 0 {
			r.logf("no process found listening on port %d: RSS not measured (give -pid)", servicePort(cfg.base))
		}
	}
	if cfg.PID > 0 {
		if _, err := readRSS(cfg.PID); err != nil {
			r.logf("warning: cannot read RSS of pid %d: %v", cfg.PID, err)
			cfg.PID = -1
		} else {
			r.summary.Set("server_pid", cfg.PID)
			if fl := processFileLimit(cfg.PID); fl > 0 && cfg.Scenario != "rest" && fl < need {
				r.logf("warning: the service's RLIMIT_NOFILE is %d, below the ~%d sockets of this run", fl, need)
			}
		}
	}
	r.logf("target %s scenario=%s transport=%s run-id=%s client RLIMIT_NOFILE=%d", cfg.base, cfg.Scenario, cfg.Transport, cfg.RunID, limit)
	return nil
}

// rss reads the service's RSS in KiB, or -1.
func (r *Run) rss() int64 {
	if r.cfg.PID <= 0 {
		return -1
	}
	v, err := readRSS(r.cfg.PID)
	if err != nil {
		r.logf("warning: reading RSS: %v", err)
		return -1
	}
	return v
}

// finish prints the failures and the JSON summary; it returns the exit code.
func (r *Run) finish(stdout io.Writer) int {
	total := r.fails.Total()
	r.fails.Report(r.logf)
	r.summary.Set("failures", total)
	r.summary.Set("failures_by_kind", r.fails.ByKind())
	r.summary.Set("timed_out", r.timedOut)
	r.summary.Set("elapsed_s", round2(time.Since(r.start).Seconds()))
	b, err := json.Marshal(r.summary)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"scenario":%q,"failures":%d,"error":%q}`, r.cfg.Scenario, total+1, err.Error()))
		total++
	}
	r.mu.Lock()
	r.closed = true
	fmt.Fprintln(stdout, strings.TrimSpace(string(b)))
	r.mu.Unlock()
	if total > 0 {
		return 1
	}
	return 0
}
