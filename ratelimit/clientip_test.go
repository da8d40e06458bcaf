package ratelimit

import (
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,2001:db8::1, ::ffff:198.51.100.1, 172.16.5.9/12,")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("2001:db8::1/128"),
		netip.MustParsePrefix("198.51.100.1/32"),
		netip.MustParsePrefix("172.16.0.0/12"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseTrustedProxies = %v; want %v", got, want)
	}

	if got, err := ParseTrustedProxies(""); err != nil || got != nil {
		t.Errorf(`ParseTrustedProxies("") = %v, %v; want none`, got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1:80", "10.0.0.0/8,nope", "2001:db8::/129"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.HasPrefix(err.Error(), "ratelimit: parse trusted proxy ") {
			t.Errorf("ParseTrustedProxies(%q) error = %v; want a parse error", bad, err)
		}
	}
}

func TestTrustedProxiesUnmarshalText(t *testing.T) {
	var p TrustedProxies
	if err := p.UnmarshalText([]byte("10.0.0.0/8, 192.0.2.7")); err != nil {
		t.Fatal(err)
	}
	want := TrustedProxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("UnmarshalText = %v; want %v", p, want)
	}
	if err := p.UnmarshalText([]byte("proxy.internal")); err == nil || !reflect.DeepEqual(p, want) {
		t.Errorf("UnmarshalText(proxy.internal) = %v, %v; want an error and the list unchanged", p, err)
	}
}

func TestClientIP(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies configured", "198.51.100.4:5123", nil, nil, "198.51.100.4"},
		{"no proxies, XFF ignored", "198.51.100.4:5123", []string{"203.0.113.9"}, nil, "198.51.100.4"},
		{"spoofed XFF from an untrusted peer", "198.51.100.4:5123", []string{"10.0.0.1, 203.0.113.9"}, trusted, "198.51.100.4"},
		{"trusted peer without XFF", "10.1.2.3:443", nil, trusted, "10.1.2.3"},
		{"trusted peer", "10.1.2.3:443", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
		{"forged entries left of the client", "10.1.2.3:443", []string{"1.1.1.1, 203.0.113.9"}, trusted, "203.0.113.9"},
		{"trusted hops skipped", "10.1.2.3:443", []string{"203.0.113.9, 10.9.9.9", "10.8.8.8"}, trusted, "203.0.113.9"},
		{"every hop trusted", "10.1.2.3:443", []string{"10.5.5.5, 10.6.6.6"}, trusted, "10.5.5.5"},
		{"garbage where the client should be", "10.1.2.3:443", []string{"1.1.1.1, not-an-ip, 10.6.6.6"}, trusted, "10.6.6.6"},
		{"hop with a port", "10.1.2.3:443", []string{"203.0.113.9:61000"}, trusted, "203.0.113.9"},
		{"IPv6 peer untrusted", "[2001:db8:1::5]:443", []string{"203.0.113.9"}, trusted, "2001:db8:1::5"},
		{"IPv6 trusted peer and client", "[2001:db8:ffff::2]:443", []string{"2001:db8:aaaa::1"}, trusted, "2001:db8:aaaa::1"},
		{"IPv6 hop in brackets with port", "[2001:db8:ffff::2]:443", []string{"[2001:db8:aaaa::1]:8080"}, trusted, "2001:db8:aaaa::1"},
		{"IPv6 hop in brackets", "[2001:db8:ffff::2]:443", []string{"[2001:db8:aaaa::1]"}, trusted, "2001:db8:aaaa::1"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:443", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
		{"IPv4-mapped client", "10.1.2.3:443", []string{"::ffff:203.0.113.9"}, trusted, "203.0.113.9"},
		{"zoned peer", "[fe80::1%eth0]:443", nil, nil, "fe80::1"},
		{"peer without port", "198.51.100.4", nil, nil, "198.51.100.4"},
		{"unparsable peer", "@", []string{"203.0.113.9"}, trusted, "@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tc.trusted); got != tc.want {
				t.Errorf("ClientIP = %q; want %q", got, tc.want)
			}
		})
	}
}
