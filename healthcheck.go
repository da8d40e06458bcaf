package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// healthcheckTimeout bounds the whole probe (connect, request and body); the
// image's HEALTHCHECK gives it 5 s.
const healthcheckTimeout = 3 * time.Second

// healthcheck is `amanda-backend healthcheck`: the container's HEALTHCHECK.
// The distroless image has no shell, curl or wget, so the binary probes
// itself: GET http://HOST:FLASK_PORT/health must answer 200 with
// {"status":"healthy"}. Only FLASK_PORT and FLASK_HOST are read (not the
// whole configuration, so a probe never fails on an unrelated variable).
// It returns nil when healthy, otherwise an error of one line; main turns
// that into exit status 1, which Docker reads as unhealthy.
func healthcheck(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	target, err := healthcheckURL(getenv)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{
		// Never through HTTP_PROXY and friends: the probe is for this
		// container's own listener. No keep-alive: one request per process.
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		// /health does not redirect; a redirect means something else answers.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("healthcheck: GET %s: no answer within %s", target, healthcheckTimeout)
		}
		// The url.Error would repeat the method and URL.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("healthcheck: GET %s: %s", target, oneLine(err.Error()))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("healthcheck: GET %s: reading the body: %s", target, oneLine(err.Error()))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: status %d: %s", target, resp.StatusCode, excerpt(body))
	}
	var health struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &health); err != nil || health.Status != "healthy" {
		return fmt.Errorf(`healthcheck: GET %s: status 200 but the body is not {"status":"healthy"}: %s`, target, excerpt(body))
	}
	fmt.Fprintf(stdout, "healthy (%s)\n", target)
	return nil
}

// healthcheckURL is where the server listens, from FLASK_HOST and FLASK_PORT
// with the server's defaults (0.0.0.0 and 5000). A wildcard or empty host
// listens on loopback too, so the probe uses 127.0.0.1 then.
func healthcheckURL(getenv func(string) string) (string, error) {
	port := 5000
	if raw := strings.TrimSpace(getenv("FLASK_PORT")); raw != "" {
		p, err := strconv.Atoi(raw)
		if err != nil || p < 1 || p > 65535 {
			// FLASK_PORT=0 (a random port) cannot be probed from outside.
			return "", fmt.Errorf("FLASK_PORT must be a port between 1 and 65535 to be probed, got %q", raw)
		}
		port = p
	}
	host := strings.TrimSpace(getenv("FLASK_HOST"))
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/health", nil
}

// excerpt is the start of a response body on one line, for a message.
func excerpt(body []byte) string {
	s := oneLine(string(body))
	if s == "" {
		return "(empty body)"
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strconv.Quote(s)
}

// oneLine joins the lines of s, so that every message is one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
