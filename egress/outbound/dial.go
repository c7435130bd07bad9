package outbound

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Control checks the address a socket is about to connect to: set it as
// a net.Dialer's Control (or use Dialer). It runs after name resolution,
// for each address tried, so it sees where the connection really goes.
func (p *Policy) Control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s connection to %q: not an IP address", ErrRefused, network, address)
	}
	return p.CheckAddr(a)
}

// Dialer returns a copy of base whose every connection is checked by
// Control first; base's own Control or ControlContext still runs after.
func (p *Policy) Dialer(base net.Dialer) *net.Dialer {
	prevCtx, prev := base.ControlContext, base.Control
	base.Control = nil
	base.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := p.Control(network, address, c); err != nil {
			return err
		}
		switch {
		case prevCtx != nil:
			return prevCtx(ctx, network, address, c)
		case prev != nil:
			return prev(network, address, c)
		}
		return nil
	}
	return &base
}
