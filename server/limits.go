package server

import (
	"log/slog"

	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// newLimits builds the rate limiters from RATELIMIT_*, their refusals
// counted in meters; with RATELIMIT_ENABLED=false (load tests) there are
// none. With a Redis in RATELIMIT_STORAGE_URI they share one client, which
// connects on first use: a Redis down at start-up does not stop the
// service, whose limits apply per instance until Redis answers. The rates
// are parsed at load and checked by Validate, so building cannot fail.
func newLimits(cfg Config, meters *metrics.Metrics, logger *slog.Logger) *ratelimit.Limits {
	limits := &ratelimit.Limits{TrustedProxies: cfg.TrustedProxies, Rejected: meters.RateLimited}
	if !cfg.RateLimitEnabled {
		return limits
	}
	newLimiter := func(rate ratelimit.Rate, _ string) *ratelimit.Limiter { return ratelimit.New(rate) }
	if redisOptions := cfg.RateLimitStorage.Redis; redisOptions != nil {
		limits.Storage = ratelimit.NewRedisStore(redisOptions, ratelimit.RedisStoreOptions{
			Logger:       logger,
			StorageError: meters.RateLimitStorageError,
			Degraded:     meters.RateLimitDegraded,
		})
		newLimiter = func(rate ratelimit.Rate, name string) *ratelimit.Limiter {
			return ratelimit.NewShared(rate, name, limits.Storage)
		}
	}
	// The names are the limits' keys in Redis, one per limit: login by IP
	// and by email have the same rate but separate budgets.
	limits.LoginByIP = newLimiter(cfg.RateLimitLogin, "login_ip")
	limits.LoginByEmail = newLimiter(cfg.RateLimitLogin, "login_email")
	limits.SignupByIP = newLimiter(cfg.RateLimitSignup, "signup_ip")
	limits.MessagesByUser = newLimiter(cfg.RateLimitMessages, "messages_user")
	limits.HandshakesByIP = newLimiter(cfg.RateLimitHandshake, "handshake_ip")
	return limits
}
