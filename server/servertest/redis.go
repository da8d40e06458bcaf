package servertest

import (
	"bufio"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// redisBinary is Debian's redis-server, which CI runs (.ci/run).
const redisBinary = "/usr/bin/redis-server"

// Redis is a redis-server of the test's own on a free loopback port, for a
// test that stops it: the machine's shared Redis on 6379 serves other
// packages' tests at the same time.
type Redis struct {
	// URL is redis://127.0.0.1:PORT/0.
	URL  string
	addr string
	dir  string
	t    testing.TB
	stop func()
}

// StartRedis runs a redis-server until the test ends. Without redis-server
// the test skips, saying so; under CI=true it fails instead.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	requireBinary(t, redisBinary, "apt-get install -y redis-server")
	addr := freeAddr(t)
	r := &Redis{URL: "redis://" + addr + "/0", addr: addr, dir: t.TempDir(), t: t}
	r.Start()
	return r
}

// Stop kills the server, as a crash does: connections drop at once.
func (r *Redis) Stop() {
	r.t.Helper()
	r.stop()
}

// Start starts the stopped server again on the same port, with the data it
// had: every write is in an append-only file in the test's directory, as a
// production Redis with persistence keeps its sessions over a restart.
func (r *Redis) Start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	cmd := exec.Command(redisBinary, "--bind", "127.0.0.1", "--port", port, "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--loglevel", "warning")
	r.stop = startChild(r.t, cmd, r.answers)
}

// answers reports whether the server answers PING.
func (r *Redis) answers() bool {
	conn, err := net.DialTimeout("tcp", r.addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}
