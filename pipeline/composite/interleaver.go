package composite

import (
	"math"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Interleaver merges the units of several tracks (say, the encoded video
// and audio of a layout) into one sequence of non-decreasing DTS, the order
// muxers want.
//
// Tracks are told apart by their *media.Track pointer. AddTrack declares a
// track before its first unit, so that it holds the others back from the
// start; a unit of an unknown track adds its track implicitly. Within a
// track, units must come in DTS order: a unit whose DTS is not after the
// previous one of its track is dropped (DroppedNonMonotonic), so the DTS
// released per track are strictly increasing.
//
// Pop releases the queued units up to the watermark: the smallest latest
// DTS over the tracks that hold the others back. No later unit of such a
// track can come before it. A track stops holding back, and counts a
// Stall, while the latest DTS of all tracks is more than MaxWait past its
// own latest DTS (or, before its first unit, past the latest DTS when it
// was added), and holds again once a unit brings it back within MaxWait.
// RemoveTrack stops a track holding back until its next unit; its queued
// units are still released in order.
//
// A unit whose DTS is before one already released (its track had stalled)
// would break the order: it is dropped (DroppedLate), and so are the
// following units of its track until a keyframe (DroppedUntilKey), so that
// a video decoder can resume. Audio units are all keyframes and resume at
// once.
//
// Units of equal DTS leave in the order their tracks were added. The
// Interleaver neither copies nor modifies units. It is safe for concurrent
// use.
type Interleaver struct {
	mu      sync.Mutex
	maxWait time.Duration

	tracks map[*media.Track]*interleaverTrack
	order  []*interleaverTrack // the order tracks were added

	latest   time.Duration // the latest DTS of all tracks
	seen     bool
	lastOut  time.Duration // the DTS of the last unit released
	released bool

	stats InterleaverStats
}

// NewInterleaver returns an interleaver with no tracks.
func NewInterleaver(cfg InterleaverConfig) (*Interleaver, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Interleaver{maxWait: cfg.MaxWait, tracks: map[*media.Track]*interleaverTrack{}}, nil
}

// AddTrack declares t, so that it holds the other tracks back before its
// first unit. Adding a known track is a no-op; adding a removed one makes
// it hold the others back again.
func (il *Interleaver) AddTrack(t *media.Track) {
	il.mu.Lock()
	defer il.mu.Unlock()
	il.track(t)
}

// RemoveTrack stops t holding the other tracks back. Its queued units are
// still released in order; a later unit of t adds it again. The
// Interleaver remembers the latest DTS of every track it has seen (a few
// words each), so a track that comes back stays strictly increasing.
func (il *Interleaver) RemoveTrack(t *media.Track) {
	il.mu.Lock()
	defer il.mu.Unlock()
	if tr, ok := il.tracks[t]; ok {
		tr.removed = true
	}
}

// Push queues u (see Interleaver for what is dropped). A nil u is ignored.
func (il *Interleaver) Push(u *media.Unit) {
	if u == nil {
		return
	}
	il.mu.Lock()
	defer il.mu.Unlock()
	il.stats.Pushed++
	t := il.track(u.Track)
	il.see(u.DTS)
	if t.pushed && u.DTS <= t.last {
		il.stats.DroppedNonMonotonic++
		return
	}
	t.last, t.pushed = u.DTS, true
	if il.admit(t, u) {
		t.queue = append(t.queue, u)
	}
}

// Pop returns the units that are safe to release, in DTS order; nil when
// there are none.
func (il *Interleaver) Pop() []*media.Unit {
	il.mu.Lock()
	defer il.mu.Unlock()
	il.updateStalls()
	return il.release(il.watermark())
}

// Flush returns every queued unit in DTS order, as at the end of a stream.
// The tracks stay; a unit pushed later with a DTS before the last one
// released is dropped as late.
func (il *Interleaver) Flush() []*media.Unit {
	il.mu.Lock()
	defer il.mu.Unlock()
	return il.release(math.MaxInt64)
}

// SetMaxWait changes MaxWait (see InterleaverConfig) from the next Pop on;
// a negative d is taken as 0.
func (il *Interleaver) SetMaxWait(d time.Duration) {
	il.mu.Lock()
	defer il.mu.Unlock()
	il.maxWait = max(d, 0)
}

// Stats returns the counters so far.
func (il *Interleaver) Stats() InterleaverStats {
	il.mu.Lock()
	defer il.mu.Unlock()
	st := il.stats
	for _, t := range il.order {
		st.Queued += len(t.queue)
	}
	return st
}

// track returns the state of t, adding it when new, and marks it present.
func (il *Interleaver) track(t *media.Track) *interleaverTrack {
	tr, ok := il.tracks[t]
	if !ok {
		tr = &interleaverTrack{track: t, ref: il.latest, hasRef: il.seen}
		il.tracks[t] = tr
		il.order = append(il.order, tr)
	}
	tr.removed = false
	return tr
}

// see advances the latest DTS of all tracks. The first DTS ever seen is
// where the silence of the tracks added before it counts from.
func (il *Interleaver) see(dts time.Duration) {
	if !il.seen {
		il.seen, il.latest = true, dts
		for _, t := range il.order {
			t.ref, t.hasRef = dts, true
		}
	}
	il.latest = max(il.latest, dts)
}

// admit reports whether u, the newest unit of t, may be queued: not late,
// and not waiting for a keyframe.
func (il *Interleaver) admit(t *interleaverTrack, u *media.Unit) bool {
	if il.released && u.DTS < il.lastOut {
		il.stats.DroppedLate++
		il.countDropped(u)
		t.needKey = true
		return false
	}
	if t.needKey && !u.Key {
		il.stats.DroppedUntilKey++
		il.countDropped(u)
		return false
	}
	t.needKey = false
	return true
}

// countDropped counts a dropped unit by its kind.
func (il *Interleaver) countDropped(u *media.Unit) {
	switch u.Track.Kind {
	case media.KindAudio:
		il.stats.DroppedAudio++
	case media.KindVideo:
		il.stats.DroppedVideo++
	}
}

// updateStalls marks the tracks that have been silent for MaxWait.
func (il *Interleaver) updateStalls() {
	for _, t := range il.order {
		from, ok := t.progress()
		stalled := ok && il.latest-from > il.maxWait
		if stalled && !t.stalled && !t.removed {
			il.stats.Stalls++
		}
		t.stalled = stalled
	}
}

// watermark returns the DTS up to which units are safe to release.
func (il *Interleaver) watermark() time.Duration {
	w := time.Duration(math.MaxInt64)
	for _, t := range il.order {
		if !t.holds() {
			continue
		}
		if !t.pushed {
			return math.MinInt64
		}
		w = min(w, t.last)
	}
	return w
}

// release returns the queued units with DTS at most w, in DTS order.
func (il *Interleaver) release(w time.Duration) []*media.Unit {
	var out []*media.Unit
	for t := il.nextTrack(w); t != nil; t = il.nextTrack(w) {
		u := t.pop()
		il.lastOut, il.released = u.DTS, true
		out = append(out, u)
	}
	il.stats.Released += uint64(len(out))
	return out
}

// nextTrack returns the track whose first queued unit has the smallest DTS
// at most w, the earliest added on ties; nil when there is none.
func (il *Interleaver) nextTrack(w time.Duration) *interleaverTrack {
	var best *interleaverTrack
	var bestDTS time.Duration
	for _, t := range il.order {
		if d, ok := t.head(); ok && d <= w && (best == nil || d < bestDTS) {
			best, bestDTS = t, d
		}
	}
	return best
}
