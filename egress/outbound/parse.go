package outbound

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseNetworks parses a comma-separated list of CIDR prefixes, such as
// "127.0.0.0/8, ::1/128" (ROOMCAST_EGRESS_ALLOWED_NETWORKS). Empty
// entries are skipped; the first bad entry is an error naming it.
func ParseNetworks(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := ParseNetwork(s)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// maxQuoted bounds how much of a bad entry an error repeats.
const maxQuoted = 64

// ParseNetwork parses one CIDR prefix ("10.0.0.0/8", "fd00::/8"); a bare
// address is the prefix of that address alone. A prefix with host bits
// set ("10.1.2.3/8") is refused, naming the one it probably means.
func ParseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxQuoted {
		return netip.Prefix{}, fmt.Errorf("network %q…: too long for a CIDR prefix", s[:maxQuoted])
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("network %q: want a CIDR prefix like 10.0.0.0/8 or fd00::/8", s)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("network %q: want a CIDR prefix like 10.0.0.0/8 or fd00::/8", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("network %q: has bits set past the prefix length (did you mean %s?)", s, m)
	}
	return p, nil
}
