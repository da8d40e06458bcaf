package ratelimit

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/redis/go-redis/v9"
)

// Storage is where the limiters keep their buckets, as
// RATELIMIT_STORAGE_URI (Flask-Limiter's variable) names it: memory:// in
// each process, or redis:// or rediss:// in one Redis the fleet shares.
type Storage struct {
	// Redis is the parsed redis:// or rediss:// URL; nil means memory://.
	Redis *redis.Options
}

// ParseStorage reads a storage URI: "memory://", or a redis:// or
// rediss:// URL as go-redis's ParseURL reads it
// (redis://[user:password@]host[:port][/db][?dial_timeout=…]).
func ParseStorage(uri string) (Storage, error) {
	u, err := url.Parse(uri)
	if err != nil {
		// url.Error repeats the whole URL, password included.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return Storage{}, fmt.Errorf("ratelimit: parse storage URI: %w", err)
	}
	switch u.Scheme { // url.Parse lowercases it
	case "memory":
		if uri[len(u.Scheme):] != "://" {
			return Storage{}, errors.New(`ratelimit: parse storage URI: memory storage takes nothing after "memory://"`)
		}
		return Storage{}, nil
	case "redis", "rediss":
		opts, err := redis.ParseURL(uri)
		if err != nil {
			return Storage{}, fmt.Errorf("ratelimit: parse storage URI: %w", err)
		}
		return Storage{Redis: opts}, nil
	}
	return Storage{}, fmt.Errorf("ratelimit: parse storage URI: scheme %q: want memory://, redis:// or rediss://", u.Scheme)
}

// UnmarshalText parses text as ParseStorage does, so configuration can
// hold the storage parsed.
func (s *Storage) UnmarshalText(text []byte) error {
	parsed, err := ParseStorage(string(text))
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}
