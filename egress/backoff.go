package egress

import "time"

// Backoff is the pause before retry n (n ≥ 1): Base, 2·Base, 4·Base … up
// to Max (1, 2, 4 … 30 s by default).
type Backoff struct {
	Base, Max time.Duration
}

// DefaultBackoff is 1 s doubling up to 30 s.
var DefaultBackoff = Backoff{Base: time.Second, Max: 30 * time.Second}

// Delay returns the pause before retry n.
func (b Backoff) Delay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}
