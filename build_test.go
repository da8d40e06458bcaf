package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nonrootUID is the uid and gid of distroless's "nonroot" user, which the
// image runs as (USER nonroot:nonroot).
const nonrootUID = 65532

// TestBuildStaticImageBinary proves, without Docker, what the production
// image depends on. The Dockerfile's build stage runs scripts/build.sh, so
// this builds with that very script, then checks the binary and runs it the
// way the image does: static (distroless/static has no libc), stripped and
// stamped with its version, started with nothing but the listen address in
// the environment, as uid 65532 in an empty working directory it owns (the
// /data volume), answering /health, passing its own `healthcheck`
// subcommand (the image's HEALTHCHECK), keeping its SQLite file and sessions
// in that directory, and exiting 0 on SIGTERM (docker stop).
func TestBuildStaticImageBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts it (-short)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux; this checks an ELF binary and switches uid")
	}
	repo, err := os.Getwd() // go test runs in the package directory: the repository root
	if err != nil {
		t.Fatal(err)
	}

	// The binary must be reachable by uid 65532: t.TempDir's parent is 0700.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "amanda-backend")

	// Build as the test's user (root), with its Go build cache.
	version := fmt.Sprintf("build-test-%d", time.Now().UnixNano())
	build := exec.CommandContext(t.Context(), "./scripts/build.sh", bin)
	build.Env = append(os.Environ(), "VERSION="+version)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}

	checkStaticStripped(t, bin, repo)
	checkBuildFlags(t, bin)

	// The working directory is the image's /data volume: empty, owned by
	// the user the service runs as.
	asNonroot := os.Geteuid() == 0
	if !asNonroot {
		t.Logf("not root: running the binary as uid %d instead of %d", os.Geteuid(), nonrootUID)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if asNonroot {
		if err := os.Chown(data, nonrootUID, nonrootUID); err != nil {
			t.Fatal(err)
		}
		checkTraversable(t, bin)
	}

	port := freePort(t)
	// The whole environment: the image sets FLASK_HOST=0.0.0.0 and
	// FLASK_PORT=5000; here a free port on loopback instead, so the test can
	// run anywhere. Nothing else is set (no HOME, PATH, DATABASE_URL,
	// SECRET_KEY, …): every other setting is its default, and the defaults
	// must be enough to start (sqlite:///amanda.db and ./flask_session in
	// the working directory, the AI backend connected lazily).
	serverEnv := []string{"FLASK_PORT=" + strconv.Itoa(port), "FLASK_HOST=127.0.0.1"}
	var output lockedBuffer
	srv := exec.Command(bin)
	srv.Dir = data
	srv.Env = serverEnv
	srv.Stdout, srv.Stderr = &output, &output
	srv.SysProcAttr = sysProcAttr(asNonroot)
	if err := srv.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	// exited is closed when the server has exited, with waitErr its status.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = srv.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			srv.Process.Kill()
			<-exited
		}
	})
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nserver output:\n%s", append(args, output.String())...)
	}

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	waitHealthy(t, base+"/health", exited, 20*time.Second, fail)

	// GET / reports the version stamped by -X main.version.
	var root struct {
		Version string `json:"version"`
	}
	if err := getJSON(base+"/", &root); err != nil {
		fail("GET /: %v", err)
	}
	if root.Version != version {
		fail("GET / version = %q, want %q (VERSION through -ldflags -X main.version)", root.Version, version)
	}

	// The image's HEALTHCHECK: the binary probing itself, as the image's user,
	// with nothing but FLASK_PORT (FLASK_HOST unset probes 127.0.0.1).
	probe := exec.CommandContext(t.Context(), bin, "healthcheck")
	probe.Env = []string{"FLASK_PORT=" + strconv.Itoa(port)}
	probe.SysProcAttr = sysProcAttr(asNonroot)
	if out, err := probe.CombinedOutput(); err != nil {
		fail("%s healthcheck: %v\n%s", bin, err, out)
	}
	// And it fails, with status 1 and one line, where nothing listens.
	probe = exec.CommandContext(t.Context(), bin, "healthcheck")
	probe.Env = []string{"FLASK_PORT=" + strconv.Itoa(freePort(t))}
	out, err := probe.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		fail("healthcheck of a closed port: %v, output %q; want exit status 1 and one line", err, out)
	}

	// docker stop: SIGTERM, then a graceful exit with status 0.
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		fail("SIGTERM: %v", err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			fail("after SIGTERM the server exited with %v, want status 0", waitErr)
		}
	case <-time.After(10 * time.Second):
		fail("the server did not exit within 10s of SIGTERM")
	}

	// Its state is in the working directory (the volume), owned by its user.
	for name, wantDir := range map[string]bool{"amanda.db": false, "flask_session": true} {
		info, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			fail("%s was not created in the working directory: %v", name, err)
		}
		if info.IsDir() != wantDir {
			fail("%s: directory = %v, want %v", name, info.IsDir(), wantDir)
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && asNonroot && st.Uid != nonrootUID {
			fail("%s is owned by uid %d, want %d", name, st.Uid, nonrootUID)
		}
	}
	t.Logf("server output:\n%s", output.String())
}

// checkStaticStripped asserts what CGO_ENABLED=0, -s -w and -trimpath give:
// no dynamic loader or dynamic section (it runs without libc), no symbol
// table or DWARF, no path of the build machine.
func checkStaticStripped(t *testing.T, bin, repo string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s is not an ELF binary: %v", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: the binary is dynamically linked, want static (CGO_ENABLED=0)", p.Type)
		}
	}
	for _, s := range f.Sections {
		switch {
		case s.Name == ".interp" || s.Name == ".dynamic" || s.Type == elf.SHT_DYNAMIC:
			t.Errorf("section %s: the binary is dynamically linked, want static (CGO_ENABLED=0)", s.Name)
		case s.Name == ".symtab" || s.Type == elf.SHT_SYMTAB:
			t.Errorf("section %s: symbol table present, want none (-ldflags -s)", s.Name)
		case strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_"):
			t.Errorf("section %s: DWARF present, want none (-ldflags -w)", s.Name)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("imported libraries %v (%v), want none", libs, err)
	}
	content, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(content, []byte(repo+"/")) {
		t.Errorf("the binary contains the build path %s, want none (-trimpath)", repo)
	}
}

// checkBuildFlags reads the build settings Go records in the binary. Go
// does not record -ldflags when -trimpath is set (go.dev/issue/52372): -s -w
// are checked on the ELF sections and -X main.version through GET /.
func checkBuildFlags(t *testing.T, bin string) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{
		"CGO_ENABLED": "0",
		"-trimpath":   "true",
		"GOOS":        "linux",
	}
	for key, value := range want {
		if settings[key] != value {
			t.Errorf("build setting %s = %q, want %q", key, settings[key], value)
		}
	}
	if info.Path != "github.com/amanda-platform/amanda-backend" {
		t.Errorf("build info path = %q, want the module's main package", info.Path)
	}
}

// checkTraversable fails early, with the reason, when uid 65532 could not
// reach the binary (a TMPDIR under a private home directory, say).
func checkTraversable(t *testing.T, path string) {
	t.Helper()
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o001 == 0 {
			t.Fatalf("uid %d cannot reach %s: %s is %v; set TMPDIR to a directory others can traverse", nonrootUID, path, d, info.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return
		}
	}
}

// sysProcAttr runs a command as the image's nonroot user when asked.
func sysProcAttr(asNonroot bool) *syscall.SysProcAttr {
	if !asNonroot {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nonrootUID, Gid: nonrootUID}}
}

// waitHealthy polls url until it answers 200, the server exits or timeout.
func waitHealthy(t *testing.T, url string, exited <-chan struct{}, timeout time.Duration, fail func(string, ...any)) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			fail("the server exited before answering /health")
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	fail("GET %s did not answer 200 within %s: %v", url, timeout, last)
}

func getJSON(url string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
