package room

import (
	"sync"
	"time"
)

// clockOffset maps one publisher's NTP clock to the SFU's wall clock. It is
// set once, from the first RTCP sender report of any of the participant's
// tracks, so that all its tracks move by the same amount and keep their
// audio/video alignment.
type clockOffset struct {
	mu     sync.Mutex
	offset time.Duration // SFU wall clock minus publisher NTP clock
	set    bool
}

// observe records the offset from a sender report received at arrival,
// unless one is already known.
func (c *clockOffset) observe(arrival, publisherNTP time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		c.offset, c.set = arrival.Sub(publisherNTP), true
	}
}

func (c *clockOffset) get() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset, c.set
}
