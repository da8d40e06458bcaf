package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// healthServer serves handler on 127.0.0.1 and returns its port.
func healthServer(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
}

// env is a getenv over a map.
func env(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

// freePort returns a port that nothing listens on (a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestHealthcheck(t *testing.T) {
	healthy := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"healthy"}` + "\n"))
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		host    string
		wantErr string // "" means healthy
	}{
		{name: "healthy", handler: healthy},
		{name: "healthy, wildcard FLASK_HOST probes loopback", handler: healthy, host: "0.0.0.0"},
		{name: "healthy, specific FLASK_HOST", handler: healthy, host: "127.0.0.1"},
		{
			name: "unhealthy 503",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"status":"unhealthy"}`, http.StatusServiceUnavailable)
			},
			wantErr: "status 503",
		},
		{
			name: "wrong status in body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"status":"degraded"}`))
			},
			wantErr: `not {"status":"healthy"}`,
		},
		{
			name: "not JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<html>\n<body>It works!</body>\n</html>\n"))
			},
			wantErr: `not {"status":"healthy"}`,
		},
		{
			name: "empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
			},
			wantErr: "(empty body)",
		},
		{
			name: "redirect is not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
			},
			wantErr: "status 302",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := healthServer(t, tt.handler)
			var stdout bytes.Buffer
			err := healthcheck(context.Background(), env(map[string]string{"FLASK_PORT": port, "FLASK_HOST": tt.host}), &stdout)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("healthcheck: %v", err)
				}
				if !strings.HasPrefix(stdout.String(), "healthy") {
					t.Errorf("stdout = %q, want it to say healthy", stdout.String())
				}
				return
			}
			checkOneLineError(t, err, tt.wantErr)
		})
	}
}

func TestHealthcheckNothingListening(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	err := healthcheck(context.Background(), env(map[string]string{"FLASK_PORT": port}), new(bytes.Buffer))
	checkOneLineError(t, err, "127.0.0.1:"+port)
}

func TestHealthcheckTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 3 s timeout")
	}
	release := make(chan struct{})
	port := healthServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	start := time.Now()
	err := healthcheck(context.Background(), env(map[string]string{"FLASK_PORT": port}), new(bytes.Buffer))
	checkOneLineError(t, err, "no answer within 3s")
	if elapsed := time.Since(start); elapsed > healthcheckTimeout+2*time.Second {
		t.Errorf("took %s, want about %s", elapsed, healthcheckTimeout)
	}
}

func TestHealthcheckURL(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    string
		wantErr string
	}{
		{env: nil, want: "http://127.0.0.1:5000/health"},
		{env: map[string]string{"FLASK_PORT": "8080"}, want: "http://127.0.0.1:8080/health"},
		{env: map[string]string{"FLASK_PORT": " 8080 ", "FLASK_HOST": "0.0.0.0"}, want: "http://127.0.0.1:8080/health"},
		{env: map[string]string{"FLASK_HOST": "::"}, want: "http://127.0.0.1:5000/health"},
		{env: map[string]string{"FLASK_HOST": "[::]"}, want: "http://127.0.0.1:5000/health"},
		{env: map[string]string{"FLASK_HOST": "10.1.2.3"}, want: "http://10.1.2.3:5000/health"},
		{env: map[string]string{"FLASK_HOST": "::1"}, want: "http://[::1]:5000/health"},
		{env: map[string]string{"FLASK_HOST": "localhost"}, want: "http://localhost:5000/health"},
		{env: map[string]string{"FLASK_PORT": "0"}, wantErr: "FLASK_PORT"},
		{env: map[string]string{"FLASK_PORT": "http"}, wantErr: "FLASK_PORT"},
		{env: map[string]string{"FLASK_PORT": "70000"}, wantErr: "FLASK_PORT"},
	}
	for _, tt := range tests {
		got, err := healthcheckURL(env(tt.env))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("healthcheckURL(%v) = %q, %v; want an error about %s", tt.env, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("healthcheckURL(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}

// TestHealthcheckSubcommand runs `amanda-backend healthcheck` through run,
// with a configuration the server itself would refuse: the probe reads only
// FLASK_HOST and FLASK_PORT.
func TestHealthcheckSubcommand(t *testing.T) {
	vars := map[string]string{
		"FLASK_ENV":  "production", // without SECRET_KEY: server.LoadConfig fails
		"FLASK_HOST": "0.0.0.0",
		"FLASK_PORT": healthServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"status": "healthy"}`))
		}),
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, env(vars), nil, &stdout, &stderr); err != nil {
		t.Fatalf("run healthcheck: %v", err)
	}

	vars["FLASK_PORT"] = strconv.Itoa(freePort(t))
	checkOneLineError(t, run(context.Background(), []string{"healthcheck"}, env(vars), nil, &stdout, &stderr), "healthcheck: GET")

	checkOneLineError(t, run(context.Background(), []string{"healthcheck", "--now"}, env(vars), nil, &stdout, &stderr), `unknown argument "--now"`)
}

func checkOneLineError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("healthcheck succeeded, want an error containing %q", want)
	}
	if msg := err.Error(); !strings.Contains(msg, want) || strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error = %q, want one line containing %q", msg, want)
	}
}
