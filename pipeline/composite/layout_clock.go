package composite

import (
	"sync"
	"time"
)

// mediaClock maps the wall clock to the sources' PTS clock. Its offset is
// the smallest (arrival − PTS) seen: the unit that came with the least
// delay, so now() tracks the newest media.
type mediaClock struct {
	mu     sync.Mutex
	now    func() time.Time
	offset time.Time // wall time of PTS 0
	set    bool
}

// observe records that a unit with pts arrived now.
func (c *mediaClock) observe(pts time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	base := c.now().Add(-pts)
	if !c.set || base.Before(c.offset) {
		c.offset, c.set = base, true
	}
}

// pts returns the PTS that corresponds to the wall clock now, and whether
// any unit has been seen yet.
func (c *mediaClock) pts() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		return 0, false
	}
	return c.now().Sub(c.offset), true
}

// wall returns the wall-clock time of pts, and whether any unit has been
// seen yet.
func (c *mediaClock) wall(pts time.Duration) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset.Add(pts), c.set
}
