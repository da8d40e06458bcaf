package ratelimit

import (
	"strings"
	"testing"
)

func TestParseStorage(t *testing.T) {
	for _, uri := range []string{"memory://", "MEMORY://"} {
		if s, err := ParseStorage(uri); err != nil || s.Redis != nil {
			t.Errorf("ParseStorage(%q) = %+v, %v; want memory", uri, s, err)
		}
	}
	s, err := ParseStorage("redis://limits:s3cret@redis.internal:6380/2")
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Redis; o == nil || o.Addr != "redis.internal:6380" || o.DB != 2 || o.Username != "limits" || o.Password != "s3cret" || o.TLSConfig != nil {
		t.Errorf("redis:// parsed as %+v", o)
	}
	s, err = ParseStorage("rediss://redis.internal")
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Redis; o == nil || o.Addr != "redis.internal:6379" || o.TLSConfig == nil || o.TLSConfig.ServerName != "redis.internal" {
		t.Errorf("rediss:// parsed as %+v", o)
	}
}

func TestParseStorageErrors(t *testing.T) {
	for _, tc := range []struct{ in, wantErr string }{
		{"", `scheme ""`},
		{"127.0.0.1:6379", "first path segment in URL cannot contain colon"},
		{"memcached://127.0.0.1:11211", `scheme "memcached": want memory://, redis:// or rediss://`},
		{"unix:///run/redis.sock", `scheme "unix"`},
		{"memory://localhost", `nothing after "memory://"`},
		{"memory:", `nothing after "memory://"`},
		{"redis://127.0.0.1:6379/sixteen", "invalid database number"},
		{"redis://:s3cret@redis.internal:port", `invalid port ":port"`},
	} {
		_, err := ParseStorage(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "ratelimit: parse storage URI: ") {
			t.Errorf("ParseStorage(%q) error = %v; want it to contain %q", tc.in, err, tc.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseStorage(%q) error = %v: it repeats the password", tc.in, err)
		}
	}
}

func TestStorageUnmarshalText(t *testing.T) {
	var s Storage
	if err := s.UnmarshalText([]byte("redis://127.0.0.1:6379/3")); err != nil || s.Redis == nil || s.Redis.DB != 3 {
		t.Fatalf("UnmarshalText = %+v, %v; want DB 3", s, err)
	}
	if err := s.UnmarshalText([]byte("memcached://x")); err == nil || s.Redis == nil || s.Redis.DB != 3 {
		t.Errorf("UnmarshalText(memcached://x) = %+v, %v; want an error and the storage unchanged", s, err)
	}
}
