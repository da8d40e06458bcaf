// Package aiclient talks to the AI backend (amanda.ai.AIService over gRPC).
package aiclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	aipb "github.com/amanda-platform/amanda-backend/proto"
)

// Defaults for the zero values of Options.
const (
	DefaultReplyTimeout      = 120 * time.Second
	DefaultFirstTokenTimeout = 30 * time.Second
)

// Options configure a Client.
type Options struct {
	// Address is host:port of the AI backend, e.g. "localhost:50051".
	Address string
	// TLS secures the channel; CAFile (PEM) replaces the system roots.
	TLS    bool
	CAFile string
	// ReplyTimeout bounds a whole reply; DefaultReplyTimeout if zero.
	ReplyTimeout time.Duration
	// FirstTokenTimeout bounds the wait for the first chunk;
	// DefaultFirstTokenTimeout if zero.
	FirstTokenTimeout time.Duration
}

// Client holds one gRPC channel to the AI backend for the whole process. It
// connects lazily and reconnects on its own, so the service starts while the
// backend is down and recovers when it returns. It is safe for concurrent use.
type Client struct {
	conn              *grpc.ClientConn
	ai                aipb.AIServiceClient
	replyTimeout      time.Duration
	firstTokenTimeout time.Duration
}

// New creates the channel without connecting.
func New(opts Options) (*Client, error) {
	if opts.Address == "" {
		return nil, errors.New("aiclient: no backend address")
	}
	if opts.ReplyTimeout < 0 || opts.FirstTokenTimeout < 0 {
		return nil, errors.New("aiclient: timeouts must not be negative")
	}
	if opts.ReplyTimeout == 0 {
		opts.ReplyTimeout = DefaultReplyTimeout
	}
	if opts.FirstTokenTimeout == 0 {
		opts.FirstTokenTimeout = DefaultFirstTokenTimeout
	}
	creds, err := transportCredentials(opts)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(opts.Address,
		grpc.WithTransportCredentials(creds),
		grpc.WithConnectParams(grpc.ConnectParams{
			// Retry soon after the backend restarts; gRPC's 120 s cap would
			// leave chats failing long after it is back.
			Backoff: backoff.Config{
				BaseDelay:  100 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   3 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		}),
		// Pings during a reply notice a backend that vanished without closing
		// the connection. None while idle: servers penalise idle pings.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:    30 * time.Second,
			Timeout: 10 * time.Second,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("aiclient: unable to create channel to %s: %w", opts.Address, err)
	}
	return &Client{
		conn:              conn,
		ai:                aipb.NewAIServiceClient(conn),
		replyTimeout:      opts.ReplyTimeout,
		firstTokenTimeout: opts.FirstTokenTimeout,
	}, nil
}

// transportCredentials picks plaintext (the old service's insecure channel) or TLS.
func transportCredentials(opts Options) (credentials.TransportCredentials, error) {
	switch {
	case !opts.TLS && opts.CAFile != "":
		return nil, errors.New("aiclient: a CA file is set but TLS is off")
	case !opts.TLS:
		return insecure.NewCredentials(), nil
	case opts.CAFile != "":
		creds, err := credentials.NewClientTLSFromFile(opts.CAFile, "")
		if err != nil {
			return nil, fmt.Errorf("aiclient: unable to load CA file: %w", err)
		}
		return creds, nil
	default:
		return credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}), nil
	}
}

// Close closes the channel; replies in flight fail.
func (c *Client) Close() error {
	if err := c.conn.Close(); err != nil {
		return fmt.Errorf("aiclient: unable to close channel: %w", err)
	}
	return nil
}
