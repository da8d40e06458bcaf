package ratelimit

import (
	"net/http"
	"net/netip"

	"github.com/amanda-platform/amanda-backend/apperr"
)

// Limits are the service's rate limits, for REST and sockets alike; a nil
// limiter does not limit.
type Limits struct {
	LoginByIP      *Limiter
	LoginByEmail   *Limiter // brute force against one account from many addresses
	SignupByIP     *Limiter
	MessagesByUser *Limiter // send_message and voice
	HandshakesByIP *Limiter // new Engine.IO sessions
	// TrustedProxies may set X-Forwarded-For; no one else can.
	TrustedProxies []netip.Prefix
	// Rejected, when set, counts a refusal under its scope (metrics).
	Rejected func(scope string)
	// Storage, when set, is the Redis the limiters share; Close closes it.
	Storage *RedisStore
}

// Scopes of the limits, as metrics count refusals.
const (
	ScopeLogin     = "login"
	ScopeSignup    = "signup"
	ScopeMessages  = "messages"
	ScopeHandshake = "handshake"
)

// Allow spends one request of key on limiter; over the limit it is the
// KindRateLimited error the client gets, with when to retry.
func (l *Limits) Allow(scope string, limiter *Limiter, key string) error {
	if limiter == nil {
		return nil
	}
	ok, retryAfter := limiter.Allow(key)
	if ok {
		return nil
	}
	if l.Rejected != nil {
		l.Rejected(scope)
	}
	return &apperr.Error{Kind: apperr.KindRateLimited, RetryAfter: retryAfter}
}

// ClientIPOf is the caller's address, from X-Forwarded-For only behind a
// trusted proxy.
func (l *Limits) ClientIPOf(r *http.Request) string { return ClientIP(r, l.TrustedProxies) }

// Close stops the limiters' janitors and closes their Storage.
func (l *Limits) Close() error {
	for _, limiter := range []*Limiter{l.LoginByIP, l.LoginByEmail, l.SignupByIP, l.MessagesByUser, l.HandshakesByIP} {
		if limiter != nil {
			limiter.Close()
		}
	}
	if l.Storage != nil {
		return l.Storage.Close()
	}
	return nil
}
