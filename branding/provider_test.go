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
