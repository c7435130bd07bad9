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
// delay, so now() tracks the newest media. It also keeps, for all units
// and for audio units alone, the largest (arrival − PTS) of the last one
// to two latenessWindows: how late, behind the least delayed unit, the
// inputs reach the layout.
type mediaClock struct {
	mu     sync.Mutex
	now    func() time.Time
	offset time.Time // wall time of PTS 0
	set    bool
	oldest time.Duration // the least PTS seen

	all, audio latestBase
}

// latestBase is the latest (arrival − PTS) of this window and the one
// before.
type latestBase struct {
	start time.Time // of this window
	max   [2]time.Time
}

func (b *latestBase) add(now, base time.Time) {
	if b.start.IsZero() || now.Sub(b.start) >= latenessWindow {
		b.max[1], b.max[0], b.start = b.max[0], base, now
		return
	}
	if base.After(b.max[0]) {
		b.max[0] = base
	}
}

// latest returns the latest base of both windows; false when there is none.
func (b *latestBase) latest() (time.Time, bool) {
	l := b.max[0]
	if b.max[1].After(l) {
		l = b.max[1]
	}
	return l, !b.start.IsZero()
}

// observe records that a unit with pts arrived now.
func (c *mediaClock) observe(pts time.Duration, audio bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	base := now.Add(-pts)
	if !c.set || base.Before(c.offset) {
		c.offset = base
	}
	if !c.set || pts < c.oldest {
		c.oldest = pts
	}
	c.set = true
	c.all.add(now, base)
	if audio {
		c.audio.add(now, base)
	}
}

// lateness returns how much later than the least delayed unit the latest
// unit of the last one to two windows came (of audio units only when
// audio is set); false until units have come for a whole window (audio
// units, when audio is set): before that too little is known. Audio
// that never came, or stopped a whole window ago while other units came
// for a whole window, is late by nothing: no audio is on its way.
func (c *mediaClock) lateness(audio bool) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := &c.all
	if audio {
		b = &c.audio
		if c.audioGone() {
			return 0, true
		}
	}
	latest, ok := b.latest()
	if !ok || !c.set || b.max[1].IsZero() {
		return 0, false
	}
	return max(latest.Sub(c.offset), 0), true
}

// audioGone reports whether the lateness of all units is known and no
// audio unit came in the last window: none ever, or none since its
// window started two windows ago (a unit a window after it starts
// starts the next). Called with c.mu held.
func (c *mediaClock) audioGone() bool {
	if !c.set || c.all.max[1].IsZero() {
		return false
	}
	return c.audio.start.IsZero() || c.now().Sub(c.audio.start) >= 2*latenessWindow
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

// oldestPTS returns the least PTS seen, and whether any unit has been
// seen yet.
func (c *mediaClock) oldestPTS() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.oldest, c.set
}

// wall returns the wall-clock time of pts, and whether any unit has been
// seen yet.
func (c *mediaClock) wall(pts time.Duration) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset.Add(pts), c.set
}
