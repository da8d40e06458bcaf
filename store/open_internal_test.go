package store

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenRejectsUnsupportedURLs(t *testing.T) {
	for _, databaseURL := range []string{
		"mysql://amanda:s3cret@localhost/amanda",
		"host=localhost password=s3cret",
		"sqlite://",
		"sqlite:///:memory:",
	} {
		_, err := Open(context.Background(), databaseURL, slog.New(slog.DiscardHandler))
		if err == nil {
			t.Errorf("Open(%q) succeeded, want an error", databaseURL)
			continue
		}
		if !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) = %q, want an error naming DATABASE_URL without the password", databaseURL, err)
		}
	}
}

func TestSQLitePath(t *testing.T) {
	for rest, want := range map[string]string{
		"/amanda.db":                         "amanda.db",
		"/data/amanda.db":                    "data/amanda.db",
		"//var/lib/amanda/amanda.db":         "/var/lib/amanda/amanda.db",
		"/amanda.db?check_same_thread=false": "amanda.db",
	} {
		if got, err := sqlitePath(rest); err != nil || got != want {
			t.Errorf("sqlitePath(%q) = %q, %v; want %q", rest, got, err, want)
		}
	}
}

func TestOpenFindsTheFlaskInstanceDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("instance", 0o755); err != nil {
		t.Fatal(err)
	}
	// An empty file is an empty SQLite database.
	if err := os.WriteFile(filepath.Join("instance", "amanda.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, err := Open(context.Background(), "sqlite:///amanda.db", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	if _, err := os.Stat("amanda.db"); err == nil {
		t.Error("Open created ./amanda.db instead of using instance/amanda.db")
	}
	if info, err := os.Stat(filepath.Join("instance", "amanda.db")); err != nil || info.Size() == 0 {
		t.Errorf("instance/amanda.db was not migrated: %v", err)
	}
	if !strings.Contains(logs.String(), "instance") {
		t.Errorf("no log says the instance folder's database is used: %s", logs.String())
	}
}

func TestOpenPrefersTheWorkingDirectoryDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("instance", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"amanda.db", filepath.Join("instance", "amanda.db")} {
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(context.Background(), "sqlite:///amanda.db", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if info, err := os.Stat(filepath.Join("instance", "amanda.db")); err != nil || info.Size() != 0 {
		t.Errorf("instance/amanda.db was touched although ./amanda.db exists")
	}
}
