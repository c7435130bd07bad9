package outbound

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrRefused matches (errors.Is) every RefusedError.
var ErrRefused = errors.New("refused by the outbound network policy")

// ErrResolve marks a host name that could not be resolved, or resolved
// to no address.
var ErrResolve = errors.New("cannot resolve host")

// RefusedError is a destination the policy refuses. Its text names the
// host and address, never anything else of the URL it came from.
type RefusedError struct {
	Host  string     // the name or address asked for
	Addr  netip.Addr // the address refused
	Range string     // the refused block, e.g. "link-local"
}

func (e *RefusedError) Error() string {
	what := "address " + e.Addr.String()
	if _, err := netip.ParseAddr(e.Host); e.Host != "" && err != nil { // a name
		what = fmt.Sprintf("host %s resolves to %s, which", e.Host, e.Addr)
	}
	return fmt.Sprintf("%s is %s, refused for outbound connections (the operator can allow it with egress.allowed_networks)", what, e.Range)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }
