package outbound

import "net/netip"

// refusedRange is one special-purpose block refused by default.
type refusedRange struct {
	name   string
	prefix netip.Prefix
}

// refusedRanges lists the blocks a Policy refuses unless allowed. Names
// are what RefusedError reports.
var refusedRanges = []refusedRange{
	{"unspecified", netip.MustParsePrefix("0.0.0.0/8")}, // "this network" (RFC 791): 0.0.0.0 reaches the host itself
	{"unspecified", netip.MustParsePrefix("::/128")},
	{"loopback", netip.MustParsePrefix("127.0.0.0/8")},
	{"loopback", netip.MustParsePrefix("::1/128")},
	{"private", netip.MustParsePrefix("10.0.0.0/8")}, // RFC 1918
	{"private", netip.MustParsePrefix("172.16.0.0/12")},
	{"private", netip.MustParsePrefix("192.168.0.0/16")},
	{"shared (carrier-grade NAT)", netip.MustParsePrefix("100.64.0.0/10")}, // RFC 6598
	{"link-local", netip.MustParsePrefix("169.254.0.0/16")},                // RFC 3927: cloud metadata services
	{"link-local", netip.MustParsePrefix("fe80::/10")},
	{"unique-local", netip.MustParsePrefix("fc00::/7")}, // RFC 4193
	{"multicast", netip.MustParsePrefix("224.0.0.0/4")},
	{"multicast", netip.MustParsePrefix("ff00::/8")},
	{"broadcast", netip.MustParsePrefix("255.255.255.255/32")},
}

// nat64 is the well-known NAT64 prefix (RFC 6052): its last 32 bits are
// the IPv4 address a NAT64 gateway connects to.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// ipv4Compatible is the deprecated IPv4-compatible IPv6 block (RFC 4291
// 2.5.5.1), ::a.b.c.d; :: and ::1 are in it but named on their own.
var ipv4Compatible = netip.MustParsePrefix("::/96")

// refusedRangeOf names the refused block holding a, or "".
func refusedRangeOf(a netip.Addr) string {
	for _, r := range refusedRanges {
		if r.prefix.Contains(a) {
			return r.name
		}
	}
	return ""
}

// forms returns a without its zone, then the IPv4 address it carries,
// if any: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or
// NAT64 (64:ff9b::a.b.c.d). A connection to any of these forms can reach
// the IPv4 address, so each is checked.
func forms(a netip.Addr) []netip.Addr {
	a = a.WithZone("")
	out := []netip.Addr{a}
	if !a.Is6() {
		return out
	}
	if a.Is4In6() {
		return append(out, a.Unmap())
	}
	if nat64.Contains(a) || ipv4Compatible.Contains(a) {
		b := a.As16()
		return append(out, netip.AddrFrom4([4]byte(b[12:16])))
	}
	return out
}
