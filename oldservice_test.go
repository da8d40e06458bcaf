package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oldDotEnv is an operator's .env of the old service: its keys, keys of
// the Flask libraries it ran on, and a typo.
const oldDotEnv = `SECRET_KEY=old-service-secret
FLASK_ENV=development
FLASK_HOST=0.0.0.0
FLASK_PORT=5000
DATABASE_URL=sqlite:///amanda.db
GRPC_AI_BACKEND_HOST=localhost
GRPC_AI_BACKEND_PORT=50051
SESSION_TYPE=filesystem
SESSION_PERMANENT=False
SESSION_USE_SIGNER=True
CORS_ORIGINS=http://localhost:8000,http://127.0.0.1:8000
FLASK_APP=app.py
FLASK_DEBUG=1
SQLALCHEMY_TRACK_MODIFICATIONS=False
SESSION_COOKIE_SAMESITE=Lax
GRPC_AI_BACKEND_PROT=50051
`

// The binary copied into the old repository's services/backend/ and started
// there reads that directory's .env, serves the repository's branding.yaml
// from two directories up, and says so in its log.
func TestRunInPlaceOfTheOldService(t *testing.T) {
	for _, tt := range []struct {
		name         string
		atRoot, here string // branding.yaml's assistant name at the repository root, in the working directory ("": no file)
		brandingFile string // BRANDING_FILE, relative to the working directory
		wantName     string
		wantFile     string   // the file the log names, relative to the repository
		wantSearched []string // where the log says it looked, when no file was found
	}{
		{name: "the repository's, two directories up", atRoot: "Old Amanda", wantName: "Old Amanda", wantFile: "branding.yaml"},
		{name: "the working directory's first", atRoot: "Old Amanda", here: "Here", wantName: "Here", wantFile: "services/backend/branding.yaml"},
		{name: "BRANDING_FILE alone", atRoot: "Old Amanda", brandingFile: "custom.yaml", wantName: "Assistant",
			wantSearched: []string{"services/backend/custom.yaml"}},
		{name: "none: built-in defaults", wantName: "Assistant",
			wantSearched: []string{"services/backend/branding.yaml", "branding.yaml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			backend := filepath.Join(repo, "services", "backend")
			writeBranding(t, filepath.Join(repo, "branding.yaml"), tt.atRoot)
			writeBranding(t, filepath.Join(backend, "branding.yaml"), tt.here)
			if err := os.WriteFile(filepath.Join(backend, ".env"), []byte(oldDotEnv), 0o600); err != nil {
				t.Fatal(err)
			}
			// run takes the process's working directory, as the binary does;
			// t.Chdir refuses parallel tests, and this package has none.
			t.Chdir(backend)
			port := freePort(t)
			environment := map[string]string{"FLASK_HOST": "127.0.0.1", "FLASK_PORT": strconv.Itoa(port), "LOG_FORMAT": "json"}
			if tt.brandingFile != "" {
				environment["BRANDING_FILE"] = tt.brandingFile
			}
			logs := serveFor(t, environment, func(base string) {
				var got struct {
					Data struct {
						Assistant struct{ Name string } `json:"assistant"`
					} `json:"data"`
				}
				if err := getJSON(base+"/api/branding", &got); err != nil {
					t.Fatal(err)
				}
				if got.Data.Assistant.Name != tt.wantName {
					t.Errorf("GET /api/branding: assistant %q, want %q", got.Data.Assistant.Name, tt.wantName)
				}
			}, "127.0.0.1:"+strconv.Itoa(port))

			branding := logLines(t, logs, "branding")
			if len(branding) != 1 {
				t.Fatalf("%d branding log lines, want 1:\n%s", len(branding), logs)
			}
			if tt.wantFile != "" && branding[0]["file"] != filepath.Join(repo, tt.wantFile) {
				t.Errorf("branding log %v, want file %s", branding[0], filepath.Join(repo, tt.wantFile))
			}
			if tt.wantSearched != nil {
				var want []any
				for _, path := range tt.wantSearched {
					want = append(want, filepath.Join(repo, path))
				}
				if searched, _ := branding[0]["searched"].([]any); !slices.Equal(searched, want) {
					t.Errorf("branding log %v, want searched %v", branding[0], want)
				}
			}

			// The .env's keys this service does not read, in one warning.
			unused := logLines(t, logs, "does not use")
			if len(unused) != 1 {
				t.Fatalf("%d unused-key warnings, want 1:\n%s", len(unused), logs)
			}
			if got, want := unused[0]["old_service"], []any{"FLASK_APP", "FLASK_DEBUG", "SESSION_COOKIE_SAMESITE", "SQLALCHEMY_TRACK_MODIFICATIONS"}; !slices.Equal(asSlice(got), want) || unused[0]["level"] != "WARN" {
				t.Errorf("warning %v, want old_service %v", unused[0], want)
			}
			if got, want := unused[0]["unknown"], []any{"GRPC_AI_BACKEND_PROT"}; !slices.Equal(asSlice(got), want) {
				t.Errorf("warning %v, want unknown %v", unused[0], want)
			}
			// The old database opened in place, in the working directory.
			if _, err := os.Stat(filepath.Join(backend, "amanda.db")); err != nil {
				t.Errorf("amanda.db is not in the working directory: %v", err)
			}
		})
	}
}

// serveFor runs the service with environment until it answers on addr,
// calls use with its base URL, stops it as SIGTERM does and returns its log.
func serveFor(t *testing.T, environment map[string]string, use func(base string), addr string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr lockedBuffer
	done, exited := make(chan error, 1), make(chan struct{})
	go func() {
		done <- run(ctx, nil, env(environment), nil, &stdout, &stderr)
		close(exited)
	}()
	base := "http://" + addr
	waitHealthy(t, base+"/health", exited, 10*time.Second, func(format string, args ...any) {
		t.Fatalf(format+"\nlog:\n%s\nstderr:\n%s", append(args, stdout.String(), stderr.String())...)
	})
	use(base)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, stdout.String())
	}
	return stdout.String()
}

// writeBranding writes a branding file naming the assistant, or nothing
// for "".
func writeBranding(t *testing.T, path, name string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if name == "" {
		return
	}
	if err := os.WriteFile(path, []byte("assistant:\n  name: "+name+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// logLines are the JSON log lines whose message contains text.
func logLines(t *testing.T, logs, text string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	scanner := bufio.NewScanner(strings.NewReader(logs))
	for scanner.Scan() {
		var line map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("log line %q is not JSON: %v", scanner.Text(), err)
		}
		if msg, _ := line["msg"].(string); strings.Contains(msg, text) {
			lines = append(lines, line)
		}
	}
	return lines
}

// asSlice is a JSON array, nil for anything else.
func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
