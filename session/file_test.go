package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestFileBackend(t *testing.T) *FileBackend {
	t.Helper()
	b, err := NewFileBackend(filepath.Join(t.TempDir(), "flask_session"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFileBackend(t *testing.T) {
	runBackendSuite(t, func(t *testing.T) Backend { return newTestFileBackend(t) })
}

func TestFileBackendRejectsUnsafeIDs(t *testing.T) {
	b := newTestFileBackend(t)
	ctx := context.Background()
	for _, id := range []string{"../escaped", "a/b", `a\b`, "..", ".", "", "a.b", "a\x00b", "/tmp/x", strings.Repeat("a", 129)} {
		if err := b.SaveSession(ctx, id, 1, []byte("{}"), time.Now().Add(time.Hour)); err == nil {
			t.Errorf("SaveSession(%q) succeeded", id)
		}
		if _, err := b.LoadSession(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("LoadSession(%q) error = %v, want ErrNotFound", id, err)
		}
		if err := b.DeleteSession(ctx, id); err == nil {
			t.Errorf("DeleteSession(%q) succeeded", id)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(b.dir)); len(entries) != 1 {
		t.Errorf("files written beside the session directory: %v", entries)
	}
	if entries, _ := os.ReadDir(b.dir); len(entries) != 0 {
		t.Errorf("files written for invalid ids: %v", entries)
	}
}

func TestFileBackendFiles(t *testing.T) {
	b := newTestFileBackend(t)
	ctx := context.Background()
	now := time.Now()
	ids := []string{newID(), newID()}
	for _, id := range ids {
		if err := b.SaveSession(ctx, id, 1, []byte(`{"user_id":1}`), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(b.dir, id+fileSuffix))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("session file mode = %v, want 0600", perm)
		}
	}
	// A file of the old Flask-Session cache and a temporary file left by a
	// crash an hour ago.
	foreign := filepath.Join(b.dir, "2029240f6d1128be89ddc32729463129")
	stale := filepath.Join(b.dir, tempPrefix+"123")
	for _, path := range []string{foreign, stale} {
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := now.Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}

	n, err := b.PurgeSessions(ctx, now)
	if err != nil || n != 0 {
		t.Fatalf("PurgeSessions(now) = %d, %v; want 0 live sessions purged", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file not removed: %v", err)
	}
	n, err = b.PurgeSessions(ctx, now.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeSessions(later) = %d, %v; want 2", n, err)
	}
	entries, _ := os.ReadDir(b.dir)
	if len(entries) != 1 || entries[0].Name() != filepath.Base(foreign) {
		t.Errorf("after purge the directory holds %v, want only the foreign file", entries)
	}
}

func TestFileBackendErrorsHideID(t *testing.T) {
	b := newTestFileBackend(t)
	id := newID()
	// A directory where the file should be makes the rename fail.
	if err := os.Mkdir(filepath.Join(b.dir, id+fileSuffix), 0o700); err != nil {
		t.Fatal(err)
	}
	err := b.SaveSession(context.Background(), id, 1, []byte("{}"), time.Now().Add(time.Hour))
	if err == nil || strings.Contains(err.Error(), id) {
		t.Errorf("SaveSession error = %v; want one without the session id", err)
	}
}

func TestRunPurger(t *testing.T) {
	b := newTestFileBackend(t)
	id := newID()
	if err := b.SaveSession(context.Background(), id, 1, []byte("{}"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		NewManager(b, testSecret, Options{}).RunPurger(ctx, 10*time.Millisecond, nil)
		close(done)
	}()
	path := filepath.Join(b.dir, id+fileSuffix)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("RunPurger did not remove the expired session")
		}
	}
	cancel()
	<-done
}

// Two processes sharing the directory: what one writes or deletes, the
// other sees at once, whatever it has decoded before.
func TestFileBackendSeesChangesFromAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	a, err := NewFileBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewFileBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	expiry := time.Now().Add(time.Hour)
	if err := a.SaveSession(ctx, "shared", 1, []byte(`{"user_id":1}`), expiry); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read comes from b's decoded copy
		if data, err := b.LoadSession(ctx, "shared"); err != nil || string(data) != `{"user_id":1}` {
			t.Fatalf("load: %q %v", data, err)
		}
	}
	if err := a.SaveSession(ctx, "shared", 2, []byte(`{"user_id":2}`), expiry); err != nil {
		t.Fatal(err)
	}
	if data, err := b.LoadSession(ctx, "shared"); err != nil || string(data) != `{"user_id":2}` {
		t.Fatalf("after a rewrite elsewhere: %q %v", data, err)
	}
	if err := a.DeleteSession(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LoadSession(ctx, "shared"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after a logout elsewhere: %v", err)
	}
}
