package rtpclock

import "time"

// Timestamp guard limits.
const (
	// maxTimestampJump bounds how far the gap between a frame's time (its
	// RTP timestamp on the track's clock) and its arrival may move from
	// one delivered frame to the next. Network jitter, the jitter buffer
	// and the room's burst of cached frames for a new track move it by a
	// few seconds at most; a timestamp jump or a bogus sender report by
	// minutes or hours.
	maxTimestampJump = 10 * time.Second
	// timestampResync is how long frames must all fail the guard before
	// it takes their timestamps as the stream's new timeline.
	timestampResync = 3 * time.Second
)

// Verdict is what Guard.Check says about a frame.
type Verdict int

const (
	GuardPass   Verdict = iota // deliver the frame
	GuardDrop                  // drop it: its timestamp jumped
	GuardResync                // re-anchor the clock on its arrival, then deliver it
)

// Guard drops the frames whose timestamps do not follow their
// arrival. The PTS of a track never go back, so without it a single frame
// with a wild timestamp (or a bogus sender report) would drag the PTS of
// every later frame hours ahead. It compares gaps, not absolute times, so
// the clocks of the sender, the room and the ingest need not agree. When
// every frame has failed it for timestampResync, the stream really jumped:
// the guard asks for a resync.
type Guard struct {
	offset   time.Duration // time minus arrival of the last frame passed
	set      bool
	badSince time.Time // arrival of the first of the frames failed in a row
}

// Check judges a frame that arrived at, whose time is off from its arrival
// by off.
func (g *Guard) Check(off time.Duration, at time.Time) Verdict {
	if d := off - g.offset; !g.set || (d >= -maxTimestampJump && d <= maxTimestampJump) {
		g.offset, g.set, g.badSince = off, true, time.Time{}
		return GuardPass
	}
	if g.badSince.IsZero() {
		g.badSince = at
	}
	if at.Sub(g.badSince) < timestampResync {
		return GuardDrop
	}
	g.offset, g.badSince = 0, time.Time{} // the clock is re-anchored on at
	return GuardResync
}
