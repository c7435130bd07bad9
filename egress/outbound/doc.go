// Package outbound is roomcast's outbound network policy: it decides
// which destination addresses the server may connect to on a caller's
// behalf (RTMP and RTMPS targets, webhook endpoints), so that an API key
// cannot turn an egress job into a scanner of the operator's own network
// (the cloud metadata service at 169.254.169.254, the NATS port, …).
//
// By default a Policy refuses the special-purpose ranges of RFC 6890 that
// reach the host itself or the local network: loopback, link-local,
// private (RFC 1918), unique-local (RFC 4193), unspecified, multicast,
// broadcast and shared address space (RFC 6598, carrier-grade NAT), in
// their IPv4, IPv4-mapped and IPv4-compatible IPv6 forms and behind the
// NAT64 well-known prefix (RFC 6052). The operator opens prefixes with
// egress.allowed_networks.
//
// A name is checked twice: CheckHost resolves it when a job is created,
// and Control checks the address each connection is actually made to,
// so a name that resolves elsewhere at dial time (DNS rebinding) is
// refused before any packet leaves.
package outbound
