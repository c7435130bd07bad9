package outbound

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"time"
)

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ResolveTimeout bounds CheckHost's lookup when ctx allows longer.
const ResolveTimeout = 5 * time.Second

// Policy decides which addresses roomcast may connect to. A nil or zero
// Policy refuses the default blocks (see the package documentation) and
// allows nothing more: it is never "allow all". A Policy is immutable
// and safe for concurrent use.
type Policy struct {
	allowed  []netip.Prefix
	resolver Resolver
}

// New returns a policy that refuses the default blocks except inside the
// allowed prefixes (say, those of ParseNetworks). A nil resolver is
// net.DefaultResolver.
func New(allowed []netip.Prefix, r Resolver) *Policy {
	return &Policy{allowed: slices.Clone(allowed), resolver: r}
}

// Allowed returns the prefixes the operator allowed.
func (p *Policy) Allowed() []netip.Prefix {
	if p == nil {
		return nil
	}
	return slices.Clone(p.allowed)
}

// CheckAddr returns a *RefusedError when a is in a refused block and
// not in an allowed prefix, nil when roomcast may connect to it.
func (p *Policy) CheckAddr(a netip.Addr) error {
	return p.checkAddr("", a)
}

func (p *Policy) checkAddr(host string, a netip.Addr) error {
	if !a.IsValid() {
		return &RefusedError{Host: host, Addr: a, Range: "not a valid address"}
	}
	fs := forms(a)
	if p.allows(fs) {
		return nil
	}
	for _, f := range fs {
		if name := refusedRangeOf(f); name != "" {
			return &RefusedError{Host: host, Addr: a.WithZone(""), Range: name}
		}
	}
	return nil
}

// allows reports whether any form of an address is in an allowed prefix.
func (p *Policy) allows(fs []netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, pre := range p.allowed {
		for _, f := range fs {
			if pre.Contains(f) {
				return true
			}
		}
	}
	return false
}

// CheckHost checks a host of a URL: an IP literal directly, a name by
// resolving it, refused when any of its addresses is (an attacker's name
// may list a public address first and a private one second) or when it
// resolves to none. The lookup takes at most ResolveTimeout.
func (p *Policy) CheckHost(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		return p.checkAddr(host, a)
	}
	addrs, err := p.lookup(ctx, host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := p.checkAddr(host, a); err != nil {
			return err
		}
	}
	return nil
}

// lookup resolves host to at least one address.
func (p *Policy) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	var r Resolver = net.DefaultResolver
	if p != nil && p.resolver != nil {
		r = p.resolver
	}
	ctx, cancel := context.WithTimeout(ctx, ResolveTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, &ResolveError{Host: host, Err: err}
	}
	if len(addrs) == 0 {
		return nil, &ResolveError{Host: host}
	}
	return addrs, nil
}
