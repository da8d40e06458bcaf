package servertest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"
)

// haproxyBinary is Debian's haproxy, which CI installs (.ci/run).
const haproxyBinary = "/usr/sbin/haproxy"

// PinHeader is the request header that sends a request through the
// balancer to one backend: its value is Balancer.Backend's name. Socket.IO
// clients, which cannot add headers to every request, use PinnedTo.
const PinHeader = "X-Test-Backend"

// pinParam is PinHeader as a query parameter, which the Engine.IO client
// repeats on every polling request and on the WebSocket handshake.
const pinParam = "test_backend"

// haproxyConfig follows deploy/compose/haproxy.cfg: the same frontend
// rules, round robin, /ready checks and polling stickiness. It differs in
// what a test needs: fixed backends instead of Docker DNS, checks every
// 200ms so a test sees an instance leave and rejoin quickly, and the
// test-only pinning rules.
var haproxyConfig = template.Must(template.New("haproxy.cfg").Parse(`
global
    log stdout format raw local0 info
    maxconn 2000

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option forwardfor
    option redispatch
    retries 2
    timeout connect 5s
    timeout http-request 10s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
    timeout tunnel 1h
    timeout client-fin 30s
    default-server check inter 200ms fall 2 rise 2

frontend amanda
    bind {{.Listen}}
    http-request del-header X-Forwarded-For
    http-request set-header X-Request-ID %[uuid()] unless { req.hdr(X-Request-ID) -m found }
    acl socketio path_beg /socket.io/
    acl websocket hdr(Upgrade) -i websocket
    acl has_sid url_param(sid) -m found
    use_backend socketio_sticky if socketio !websocket
    use_backend socketio_sticky if socketio has_sid
    default_backend app
{{define "backends"}}
    # Test only: a request naming a backend (header ` + PinHeader + ` or query
    # parameter ` + pinParam + `) goes there, ahead of the cookie and the round robin.
{{- range .}}
    use-server {{.Name}} if { req.hdr(` + PinHeader + `) -m str {{.Name}} } || { url_param(` + pinParam + `) -m str {{.Name}} }
{{- end}}
{{- range .}}
    server {{.Name}} {{.Addr}}
{{- end}}
{{end}}
backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /ready
    http-check expect status 200
{{- template "backends" .Backends}}
backend socketio_sticky
    balance roundrobin
    cookie AMANDA_SIO insert indirect nocache httponly dynamic
    dynamic-cookie-key amanda-compose
    option httpchk
    http-check send meth GET uri /ready
    http-check expect status 200
{{- template "backends" .Backends}}`))

// Balancer is HAProxy in front of some instances, on a free loopback port.
type Balancer struct {
	// URL is http://127.0.0.1:PORT.
	URL string
	// Config is the configuration HAProxy runs, for the test log.
	Config   string
	backends []*Server
}

// StartHAProxy runs Debian's haproxy in front of backends until the test
// ends, and returns once it answers. Without haproxy the test skips, saying
// so; under CI=true it fails instead.
func StartHAProxy(t testing.TB, backends ...*Server) *Balancer {
	t.Helper()
	requireBinary(t, haproxyBinary, "apt-get install -y haproxy")
	type backend struct{ Name, Addr string }
	data := struct {
		Listen   string
		Backends []backend
	}{Listen: freeAddr(t)}
	for i, srv := range backends {
		data.Backends = append(data.Backends, backend{Name: backendName(i), Addr: strings.TrimPrefix(srv.URL, "http://")})
	}
	var cfg strings.Builder
	if err := haproxyConfig.Execute(&cfg, data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &Balancer{URL: "http://" + data.Listen, Config: cfg.String(), backends: backends}
	// -db: in the foreground, logging to stdout, which goes to the test log.
	// It is up once it answers, whatever its backends' state (a test may
	// start one unready); HAProxy counts a server up until a check fails.
	startChild(t, exec.Command(haproxyBinary, "-f", path, "-db"), func() bool {
		resp, err := http.Get(b.URL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	return b
}

// Server is the balancer seen as a Server, for the helpers that take one:
// requests through it go to any backend.
func (b *Balancer) Server() *Server { return &Server{URL: b.URL} }

// PinnedTo is the balancer seen as a Server whose URL sends every Engine.IO
// request (polling and WebSocket) to backends[i]: for Socket.IO clients,
// which keep the URL's query on every request. REST clients pin with the
// header Pin(i) instead, as a path appended to this URL would follow the
// query.
func (b *Balancer) PinnedTo(i int) *Server {
	return &Server{URL: b.URL + "/?" + pinParam + "=" + b.nameOf(i)}
}

// Pin is the request header that sends a request to backends[i].
func (b *Balancer) Pin(i int) http.Header {
	return http.Header{PinHeader: {b.nameOf(i)}}
}

// nameOf is backends[i]'s name; a wrong index is the test's bug, and
// HAProxy would balance it silently, hence the panic.
func (b *Balancer) nameOf(i int) string {
	if i < 0 || i >= len(b.backends) {
		panic(fmt.Sprintf("servertest: the balancer has no backend %d (it has %d)", i, len(b.backends)))
	}
	return backendName(i)
}

// backendName is the name HAProxy knows backends[i] by.
func backendName(i int) string { return string(rune('a' + i)) }

// requireBinary skips the test, saying how to install binary, when it is
// missing; under CI=true it fails instead, so CI cannot pass without it.
func requireBinary(t testing.TB, binary, install string) {
	t.Helper()
	if _, err := os.Stat(binary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true: a failure, not a skip; %s): %v", binary, install, err)
		}
		t.Skipf("%s is missing (%s): %v", binary, install, err)
	}
}

// freeAddr is a loopback address nothing listens on, for a child process
// to bind.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startChild starts cmd with its output in the test log, waits up to 10s
// for answers to hold, and returns a stop function that kills it by its pid
// and waits for it; stop runs by itself at the end of the test too.
func startChild(t testing.TB, cmd *exec.Cmd, answers func() bool) (stop func()) {
	t.Helper()
	cmd.Stdout, cmd.Stderr = LogWriter{t}, LogWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Kill()
		<-exited // and with it the copying of its output to the test log
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(10 * time.Second); !answers(); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("%s exited at start: %v (its output is above)", cmd.Path, cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("%s does not answer after 10s", cmd.Path)
		}
	}
	return stop
}
