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

// maxClockJump bounds how far a sender report may put the publisher's
// clock from the offset known: transit jitter and clock drift move it by
// far less, a bogus NTP time by minutes or years.
const maxClockJump = 10 * time.Second

// observe records the offset from a sender report received at arrival,
// unless one is already known. It reports whether the report agrees with
// the offset, within maxClockJump.
func (c *clockOffset) observe(arrival, publisherNTP time.Time) bool {
	off := arrival.Sub(publisherNTP)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		c.offset, c.set = off, true
		return true
	}
	d := off - c.offset
	return d >= -maxClockJump && d <= maxClockJump
}

func (c *clockOffset) get() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset, c.set
}
