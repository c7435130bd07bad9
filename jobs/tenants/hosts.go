package tenants

import "strings"

// RTMPHostAllowed reports whether the tenant may stream to host (a host
// name, without port): any host when AllowedRTMPHosts is empty.
func (s *Settings) RTMPHostAllowed(host string) bool {
	if len(s.AllowedRTMPHosts) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range s.AllowedRTMPHosts {
		if hostMatches(p, host) {
			return true
		}
	}
	return false
}

// hostMatches matches host to one pattern: equal, or for "*.d" any
// subdomain of d (at any depth), not d itself.
func hostMatches(pattern, host string) bool {
	if domain, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+domain) && len(host) > len(domain)+1
	}
	return host == pattern
}
