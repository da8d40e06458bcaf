package server

import (
	"github.com/amanda-platform/amanda-backend/handlers"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// newLimits builds the rate limiters from RATELIMIT_*; with
// RATELIMIT_ENABLED=false (load tests) there are none. The rates are
// parsed at load and checked by Validate, so building cannot fail.
func newLimits(cfg Config) (handlers.Limits, func() error) {
	limits := handlers.Limits{TrustedProxies: cfg.TrustedProxies}
	if !cfg.RateLimitEnabled {
		return limits, func() error { return nil }
	}
	var all []*ratelimit.Limiter
	limiter := func(rate ratelimit.Rate) *ratelimit.Limiter {
		l := ratelimit.New(rate)
		all = append(all, l)
		return l
	}
	limits.LoginByIP = limiter(cfg.RateLimitLogin)
	limits.LoginByEmail = limiter(cfg.RateLimitLogin)
	limits.SignupByIP = limiter(cfg.RateLimitSignup)
	limits.MessagesByUser = limiter(cfg.RateLimitMessages)
	return limits, func() error {
		for _, l := range all {
			l.Close()
		}
		return nil
	}
}
