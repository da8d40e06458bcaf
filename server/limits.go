package server

import (
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// newLimits builds the rate limiters from RATELIMIT_*, their refusals
// counted in meters; with RATELIMIT_ENABLED=false (load tests) there are
// none. Validate has already parsed every value, so parsing cannot fail here.
func newLimits(cfg Config, meters *metrics.Metrics) *ratelimit.Limits {
	trusted, _ := ratelimit.ParseTrustedProxies(cfg.TrustedProxies)
	limits := &ratelimit.Limits{TrustedProxies: trusted, Rejected: meters.RateLimited}
	if !cfg.RateLimitEnabled {
		return limits
	}
	limiter := func(spec string) *ratelimit.Limiter {
		rate, _ := ratelimit.ParseRate(spec)
		return ratelimit.New(rate)
	}
	limits.LoginByIP = limiter(cfg.RateLimitLogin)
	limits.LoginByEmail = limiter(cfg.RateLimitLogin)
	limits.SignupByIP = limiter(cfg.RateLimitSignup)
	limits.MessagesByUser = limiter(cfg.RateLimitMessages)
	return limits
}
