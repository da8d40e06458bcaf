package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// run configures the service from its getenv, not the process environment.
func TestRunReadsConfigurationThroughGetenv(t *testing.T) {
	t.Chdir(t.TempDir()) // no .env
	// Cancelled, so a run that wrongly started serving returns at once.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, nil, env(map[string]string{"FLASK_ENV": "production"}), nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("run in production without SECRET_KEY: %v; want the SECRET_KEY error", err)
	}
}

// Logs go to stdout; flag errors and usage go to stderr.
func TestRunFlagErrorsGoToStderr(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--no-such-flag"}, env(nil), nil, &stdout, &stderr); err == nil {
		t.Fatal("run accepted an unknown flag")
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "no-such-flag") || !strings.Contains(stderr.String(), "-fake-ai") {
		t.Fatalf("stdout %q, stderr %q; want the error and usage on stderr only", stdout.String(), stderr.String())
	}
}
