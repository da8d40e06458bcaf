package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
	}{
		{"10/minute", Rate{10, time.Minute}},
		{"10 per minute", Rate{10, time.Minute}},
		{"5/second", Rate{5, time.Second}},
		{"100/hour", Rate{100, time.Hour}},
		{"1000/day", Rate{1000, 24 * time.Hour}},
		{"10/5 minutes", Rate{10, 5 * time.Minute}},
		{"10 per 5 minutes", Rate{10, 5 * time.Minute}},
		{"3/2hours", Rate{3, 2 * time.Hour}},
		{"  30 / Minute ", Rate{30, time.Minute}},
		{"1 PER SECONDS", Rate{1, time.Second}},
		{"1/366 days", Rate{1, 366 * 24 * time.Hour}},
	} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestRateUnmarshalText(t *testing.T) {
	r := Rate{1, time.Second}
	if err := r.UnmarshalText([]byte("10 per 5 minutes")); err != nil || r != (Rate{10, 5 * time.Minute}) {
		t.Errorf("UnmarshalText = %+v, %v; want 10 per 5m", r, err)
	}
	if err := r.UnmarshalText([]byte("0/minute")); err == nil || r != (Rate{10, 5 * time.Minute}) {
		t.Errorf("UnmarshalText(0/minute) = %+v, %v; want an error and the rate unchanged", r, err)
	}
}

func TestParseRateErrors(t *testing.T) {
	for _, tc := range []struct{ in, wantErr string }{
		{"", `want "N/unit"`},
		{"ten/minute", `want "N/unit"`},
		{"10", `want "N/unit"`},
		{"10/", `want "N/unit"`},
		{"-1/minute", `want "N/unit"`},
		{"10/minute;100/hour", `want "N/unit"`},
		{"10 minute", `want "N/unit"`},
		{"10/fortnight", `unknown unit "fortnight"`},
		{"10/month", `unknown unit "month"`},
		{"0/minute", "limit 0 is not positive"},
		{"10/0 minutes", "period 0s is not positive"},
		{"1/367 days", "longer than"},
		{"1/99999999999999999 days", "longer than"},
		{"99999999999999999999/second", "count"},
		{"2000000000/second", "more than one per nanosecond"},
	} {
		_, err := ParseRate(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "ratelimit: parse rate ") {
			t.Errorf("ParseRate(%q) error = %v; want it to contain %q", tc.in, err, tc.wantErr)
		}
	}
}
