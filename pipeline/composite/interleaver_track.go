package composite

import (
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// interleaverTrack is the state of one track of an Interleaver.
type interleaverTrack struct {
	track *media.Track
	queue []*media.Unit // strictly increasing DTS

	last   time.Duration // DTS of the latest unit pushed
	pushed bool
	// ref is the DTS the track's silence counts from until it pushes: the
	// latest DTS of any track when it was added.
	ref    time.Duration
	hasRef bool

	stalled bool // silent for MaxWait; does not hold the others back
	removed bool // does not hold the others back
	needKey bool // dropping units until a keyframe
}

// progress returns the DTS the track's silence counts from, and false when
// the track has nothing to count from yet.
func (t *interleaverTrack) progress() (time.Duration, bool) {
	if t.pushed {
		return t.last, true
	}
	return t.ref, t.hasRef
}

// holds reports whether the track holds the others back.
func (t *interleaverTrack) holds() bool {
	return !t.removed && !t.stalled
}

// head returns the DTS of the first queued unit, and false when the queue
// is empty.
func (t *interleaverTrack) head() (time.Duration, bool) {
	if len(t.queue) == 0 {
		return 0, false
	}
	return t.queue[0].DTS, true
}

// pop removes and returns the first queued unit.
func (t *interleaverTrack) pop() *media.Unit {
	u := t.queue[0]
	t.queue[0] = nil
	t.queue = t.queue[1:]
	return u
}
