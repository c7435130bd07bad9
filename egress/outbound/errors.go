package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// ErrRefused matches (errors.Is) every RefusedError.
var ErrRefused = errors.New("refused by the outbound network policy")

// ErrResolve marks a host name that could not be resolved, or resolved
// to no address.
var ErrResolve = errors.New("cannot resolve host")

// ResolveError is a host name CheckHost could not resolve. Its text says
// why without the DNS server's address (a *net.DNSError names it), since
// it goes back to API callers; Unwrap still reaches the cause.
type ResolveError struct {
	Host string
	Err  error // nil: the name has no address
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("%s %s: %s", ErrResolve, e.Host, e.reason())
}

func (e *ResolveError) reason() string {
	var de *net.DNSError
	switch {
	case e.Err == nil:
		return "no address"
	case errors.Is(e.Err, context.DeadlineExceeded), errors.As(e.Err, &de) && de.IsTimeout:
		return "lookup timed out"
	case errors.As(e.Err, &de) && de.IsNotFound:
		return "no such host"
	case errors.As(e.Err, &de):
		return de.Err
	}
	return e.Err.Error()
}

// Unwrap makes errors.Is(err, ErrResolve) true and reaches the cause.
func (e *ResolveError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrResolve}
	}
	return []error{ErrResolve, e.Err}
}

// RefusedError is a destination the policy refuses. Its text names the
// address, or for a name the host alone, never anything else of the URL
// it came from.
type RefusedError struct {
	Host  string     // the name or address asked for
	Addr  netip.Addr // the address refused
	Range string     // the refused block, e.g. "link-local"
}

func (e *RefusedError) Error() string {
	what := "address " + e.Addr.String()
	if _, err := netip.ParseAddr(e.Host); e.Host != "" && err != nil {
		// A name: its address stays out of the text, which goes back to
		// API callers, who must not map the operator's internal DNS.
		what = fmt.Sprintf("host %s resolves to an address that", e.Host)
	}
	return fmt.Sprintf("%s is %s, refused for outbound connections (the operator can allow it with egress.allowed_networks)", what, e.Range)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }
