package server

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// redialGap is how long a Redis client waits after a failed connection
// before it tries again.
const redialGap = 500 * time.Millisecond

// throttleDials makes opts' client wait redialGap after a failed connection
// before the next. The Socket.IO adapter's subscription loops retry at once
// when Redis refuses them, which took more than a core while Redis was
// down; waiting in the dial slows them to a couple of tries a second.
func throttleDials(opts *redis.Options) {
	d := &throttledDialer{tls: opts.TLSConfig, timeout: opts.DialTimeout}
	if d.timeout == 0 {
		d.timeout = 5 * time.Second
	}
	opts.Dialer = d.dial
}

type throttledDialer struct {
	tls     *tls.Config
	timeout time.Duration

	mu   sync.Mutex
	next time.Time // no attempt before then
}

func (d *throttledDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	wait := time.Until(d.next)
	d.mu.Unlock()
	if wait > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	dialer := &net.Dialer{Timeout: d.timeout, KeepAlive: 5 * time.Minute}
	var conn net.Conn
	var err error
	if d.tls != nil {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: d.tls}).DialContext(ctx, network, addr)
	} else {
		conn, err = dialer.DialContext(ctx, network, addr)
	}
	d.mu.Lock()
	if err != nil {
		d.next = time.Now().Add(redialGap)
	} else {
		d.next = time.Time{}
	}
	d.mu.Unlock()
	return conn, err
}
