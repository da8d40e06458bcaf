package handlers

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/ratelimit"
)

const msgTooManyRequests = "Too many requests. Please try again later."

// Limits are the rate limits; a nil limiter does not limit.
type Limits struct {
	LoginByIP      *ratelimit.Limiter
	LoginByEmail   *ratelimit.Limiter // brute force against one account from many addresses
	SignupByIP     *ratelimit.Limiter
	MessagesByUser *ratelimit.Limiter // send_message and voice
	// TrustedProxies may set X-Forwarded-For; no one else can.
	TrustedProxies []netip.Prefix
}

// Rate-limit scopes, as metrics count them.
const (
	scopeLogin    = "login"
	scopeSignup   = "signup"
	scopeMessages = "messages"
)

// allow spends one request of key; over the limit it returns the 429 the
// client gets, with Retry-After.
func (a *API) allow(scope string, limiter *ratelimit.Limiter, key string) error {
	if limiter == nil {
		return nil
	}
	ok, retryAfter := limiter.Allow(key)
	if ok {
		return nil
	}
	a.Metrics.RateLimited(scope)
	return &Error{Status: http.StatusTooManyRequests, Message: msgTooManyRequests, RetryAfter: retryAfter}
}

// clientIP is the caller's address, from X-Forwarded-For only behind a
// trusted proxy.
func (a *API) clientIP(c echo.Context) string {
	return ratelimit.ClientIP(c.Request(), a.Limits.TrustedProxies)
}

// allowMessage applies the per-user message limit to a socket event.
func (a *API) allowMessage(s *socket.Socket, user *socketUser) bool {
	if a.allow(scopeMessages, a.Limits.MessagesByUser, strconv.FormatInt(user.UserID, 10)) != nil {
		emitError(s, msgTooManyRequests)
		return false
	}
	return true
}

// retryAfterSeconds rounds up, so a client that waits that long succeeds.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
