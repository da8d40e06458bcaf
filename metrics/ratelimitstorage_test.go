package metrics

import "testing"

func TestRateLimitStorage(t *testing.T) {
	m := New()
	body := scrape(t, m)
	wantValue(t, body, "amanda_ratelimit_storage_errors_total", 0)
	wantValue(t, body, "amanda_ratelimit_storage_degraded", 0)

	m.RateLimitStorageError()
	m.RateLimitStorageError()
	m.RateLimitDegraded(true)
	body = scrape(t, m)
	wantValue(t, body, "amanda_ratelimit_storage_errors_total", 2)
	wantValue(t, body, "amanda_ratelimit_storage_degraded", 1)

	m.RateLimitDegraded(false)
	wantValue(t, scrape(t, m), "amanda_ratelimit_storage_degraded", 0)
}
