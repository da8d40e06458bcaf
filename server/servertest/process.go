package servertest

import (
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Process is the service's binary running as a process of its own, for a
// test that kills it the hard way (no shutdown path runs).
type Process struct {
	// Server is its address, for the tests' clients.
	*Server
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartProcess builds the service's binary and runs it on a free loopback
// port with nothing in its environment but env, in a working directory of
// its own, until the test ends or Kill.
func StartProcess(t testing.TB, env ...string) *Process {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "amanda-backend")
	build := exec.Command("go", "build", "-o", bin, "github.com/amanda-platform/amanda-backend")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(env, "FLASK_HOST=127.0.0.1", "FLASK_PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = LogWriter{t}, LogWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &Process{Server: &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port)}, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.Kill)
	p.waitHealthy(t, 60*time.Second)
	return p
}

// Kill ends the process with SIGKILL and waits for it.
func (p *Process) Kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *Process) waitHealthy(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatal("the service's process exited while starting")
		default:
		}
		if resp, err := http.Get(p.URL + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the service's process was not healthy within %s", within)
}

// freePort is a loopback port free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
