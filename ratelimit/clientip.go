package ratelimit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads TRUSTED_PROXIES: comma-separated CIDRs or bare
// IPs. Empty means none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, field := range strings.Split(s, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		if strings.Contains(field, "/") {
			p, err := netip.ParsePrefix(field)
			if err != nil {
				return nil, fmt.Errorf("ratelimit: parse trusted proxy %q: %w", field, err)
			}
			prefixes = append(prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(field)
		if err != nil {
			return nil, fmt.Errorf("ratelimit: parse trusted proxy %q: %w", field, err)
		}
		a = normalize(a)
		prefixes = append(prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return prefixes, nil
}

// TrustedProxies is a parsed TRUSTED_PROXIES list that decodes from text as
// ParseTrustedProxies reads it, so configuration can hold it parsed.
type TrustedProxies []netip.Prefix

// UnmarshalText implements encoding.TextUnmarshaler with ParseTrustedProxies.
func (p *TrustedProxies) UnmarshalText(text []byte) error {
	parsed, err := ParseTrustedProxies(string(text))
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

// ClientIP is the address of the client that sent r. X-Forwarded-For is
// honoured only when the direct peer is a trusted proxy, since anyone else
// can write it; then the client is the right-most address in it that is not
// itself a trusted proxy: each proxy appends the peer it saw, so addresses
// left of the first untrusted one may be forged.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	client := peer
	if !isTrusted(peer, trusted) {
		return client.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			// A trusted proxy passed on something that is not an address:
			// the last hop we can vouch for is the client.
			break
		}
		client = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return client.String()
}

// parseHop reads an address as peers and proxies write it: bare, or with a
// port or brackets ("192.0.2.1:8080", "[2001:db8::1]:443", "[2001:db8::1]").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return normalize(a), true
}

// normalize gives one client one key: an IPv4 peer of a dual-stack listener
// arrives as ::ffff:a.b.c.d, and a zone never matches a prefix.
func normalize(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
