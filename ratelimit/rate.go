package ratelimit

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Rate allows Limit requests per Period.
type Rate struct {
	Limit  int
	Period time.Duration
}

// maxPeriod keeps every deadline the limiter computes far from overflow.
const maxPeriod = 366 * 24 * time.Hour

var units = map[string]time.Duration{
	"second": time.Second,
	"minute": time.Minute,
	"hour":   time.Hour,
	"day":    24 * time.Hour,
}

// rateSyntax is Flask-Limiter's single-limit notation: "10/minute",
// "10 per minute", "10/5 minutes", "100 per 2 hours".
var rateSyntax = regexp.MustCompile(`^(\d+)\s*(?:/|\s+per\s+)\s*(?:(\d+)\s*)?([a-z]+)$`)

// ParseRate reads a limit written as Flask-Limiter writes one, such as
// "10/minute", "10 per minute" or "10/5 minutes"; units are second, minute,
// hour and day, singular or plural, in any case.
func ParseRate(s string) (Rate, error) {
	m := rateSyntax.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return Rate{}, fmt.Errorf(`ratelimit: parse rate %q: want "N/unit", "N per unit" or "N/M units" with unit second, minute, hour or day`, s)
	}
	unit, ok := units[m[3]]
	if !ok {
		unit, ok = units[strings.TrimSuffix(m[3], "s")]
	}
	if !ok {
		return Rate{}, fmt.Errorf("ratelimit: parse rate %q: unknown unit %q (want second, minute, hour or day)", s, m[3])
	}
	limit, err := strconv.Atoi(m[1])
	if err != nil {
		return Rate{}, fmt.Errorf("ratelimit: parse rate %q: count: %w", s, err)
	}
	multiplier := int64(1)
	if m[2] != "" {
		if multiplier, err = strconv.ParseInt(m[2], 10, 64); err != nil {
			return Rate{}, fmt.Errorf("ratelimit: parse rate %q: period: %w", s, err)
		}
	}
	if multiplier > math.MaxInt64/int64(unit) {
		return Rate{}, fmt.Errorf("ratelimit: parse rate %q: period longer than %v", s, maxPeriod)
	}
	r := Rate{Limit: limit, Period: time.Duration(multiplier) * unit}
	if err := r.Validate(); err != nil {
		return Rate{}, fmt.Errorf("ratelimit: parse rate %q: %w", s, err)
	}
	return r, nil
}

// UnmarshalText parses text as ParseRate does, so a Rate can be decoded
// straight from configuration.
func (r *Rate) UnmarshalText(text []byte) error {
	parsed, err := ParseRate(string(text))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// Validate reports why New would refuse r: a Rate built in code rather
// than by ParseRate has not been checked.
func (r Rate) Validate() error {
	switch {
	case r.Limit < 1:
		return fmt.Errorf("limit %d is not positive", r.Limit)
	case r.Period <= 0:
		return fmt.Errorf("period %v is not positive", r.Period)
	case r.Period > maxPeriod:
		return fmt.Errorf("period %v is longer than %v", r.Period, maxPeriod)
	case r.Period/time.Duration(r.Limit) == 0:
		return fmt.Errorf("limit %d is more than one per nanosecond", r.Limit)
	}
	return nil
}
