package branding

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestProviderReload(t *testing.T) {
	path := writeFile(t, "assistant:\n  name: Amanda\n")
	p := NewProvider(path)
	assertName(t, p, "Amanda")

	if err := os.WriteFile(path, []byte("assistant:\n  name: Ada\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertName(t, p, "Amanda") // nothing changes before a reload
	if err := p.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	assertName(t, p, "Ada")

	// A broken file is reported and the last good config stays.
	if err := os.WriteFile(path, []byte("assistant: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	assertName(t, p, "Ada")

	// Removing the file falls back to the defaults, as at start-up.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	assertName(t, p, "Assistant")
}

func TestProviderStartsWithBrokenFile(t *testing.T) {
	path := writeFile(t, "assistant: [\n")
	p := NewProvider(path)
	if _, err := p.Get(); err == nil {
		t.Fatal("Get succeeded with a broken file and no earlier config")
	}
	if err := os.WriteFile(path, []byte("assistant:\n  name: Amanda\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	assertName(t, p, "Amanda")
}

func TestProviderResolvesPlaceholders(t *testing.T) {
	p := NewProvider(filepath.Join(t.TempDir(), "absent.yaml"))
	d, err := p.Get()
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d.UI.PageTitle != "Assistant - Your AI Companion" {
		t.Errorf("pageTitle = %q", d.UI.PageTitle)
	}
}

func TestProviderConcurrentUse(t *testing.T) {
	p := NewProvider(writeFile(t, "assistant:\n  name: Amanda\n"))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if err := p.Reload(); err != nil {
					t.Error(err)
				}
				if _, err := p.Get(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func assertName(t *testing.T, p *Provider, want string) {
	t.Helper()
	d, err := p.Get()
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d.Assistant.Name != want {
		t.Errorf("assistant name = %q, want %q", d.Assistant.Name, want)
	}
}

// The first file that exists wins, at start-up and at every reload; with
// none, the defaults apply and Source says so.
func TestProviderReadsTheFirstFileThatExists(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.yaml"), filepath.Join(dir, "second.yaml")
	p := NewProvider(first, second)
	assertName(t, p, "Assistant")
	if got := p.Source(); got != "" {
		t.Errorf("Source with no file = %q, want \"\"", got)
	}

	if err := os.WriteFile(second, []byte("assistant:\n  name: Second\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	assertName(t, p, "Second")
	if got := p.Source(); got != second {
		t.Errorf("Source = %q, want %q", got, second)
	}

	if err := os.WriteFile(first, []byte("assistant:\n  name: First\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	assertName(t, p, "First")
	if got := p.Source(); got != first {
		t.Errorf("Source = %q, want %q", got, first)
	}

	// A broken first file is an error, not a reason to fall back to the second.
	if err := os.WriteFile(first, []byte("assistant: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err == nil {
		t.Fatal("Reload with a broken first file succeeded")
	}
	assertName(t, p, "First")
}
