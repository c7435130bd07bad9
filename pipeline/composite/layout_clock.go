package composite

import (
	"sync"
	"time"
)

// latenessWindow is how long the lateness of the inputs is remembered: the
// layout's latency follows the largest lateness of the last one to two
// windows.
const latenessWindow = 5 * time.Second

// mediaClock maps the wall clock to the sources' PTS clock. Its offset is
// the smallest (arrival − PTS) seen: the unit that came with the least
// delay, so now() tracks the newest media. It also keeps the largest
// (arrival − PTS) of the last one to two latenessWindows: how late, behind
// the least delayed unit, the inputs reach the layout.
type mediaClock struct {
	mu     sync.Mutex
	now    func() time.Time
	offset time.Time // wall time of PTS 0
	set    bool

	bucketStart time.Time
	maxBase     [2]time.Time // the latest (arrival − PTS) of this window and the one before
}

// observe records that a unit with pts arrived now.
func (c *mediaClock) observe(pts time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	base := now.Add(-pts)
	if !c.set || base.Before(c.offset) {
		c.offset, c.set = base, true
	}
	if c.bucketStart.IsZero() || now.Sub(c.bucketStart) >= latenessWindow {
		c.maxBase[1], c.maxBase[0], c.bucketStart = c.maxBase[0], base, now
		return
	}
	if base.After(c.maxBase[0]) {
		c.maxBase[0] = base
	}
}

// lateness returns how much later than the least delayed unit the latest
// unit of the last one to two windows came; false before any unit came.
func (c *mediaClock) lateness() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		return 0, false
	}
	latest := c.maxBase[0]
	if c.maxBase[1].After(latest) {
		latest = c.maxBase[1]
	}
	return max(latest.Sub(c.offset), 0), true
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
