package server

import (
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// newLimits builds the rate limiters from RATELIMIT_*, their refusals
// counted in meters; with RATELIMIT_ENABLED=false (load tests) there are
// none. The rates are parsed at load and checked by Validate, so building
// cannot fail.
func newLimits(cfg Config, meters *metrics.Metrics) *ratelimit.Limits {
	limits := &ratelimit.Limits{TrustedProxies: cfg.TrustedProxies, Rejected: meters.RateLimited}
	if !cfg.RateLimitEnabled {
		return limits
	}
	limits.LoginByIP = ratelimit.New(cfg.RateLimitLogin)
	limits.LoginByEmail = ratelimit.New(cfg.RateLimitLogin)
	limits.SignupByIP = ratelimit.New(cfg.RateLimitSignup)
	limits.MessagesByUser = ratelimit.New(cfg.RateLimitMessages)
	limits.HandshakesByIP = ratelimit.New(cfg.RateLimitHandshake)
	return limits
}
