package composite

import (
	"math"
	"time"
)

// speakerLevel is what a SpeakerSelector knows of one participant: its
// smoothed level and whether it is challenging the current speaker.
type speakerLevel struct {
	joined uint64        // order of first observation, for ties
	db     float64       // smoothed level in dBFS at time at
	at     time.Duration // the end of the last observed block

	challenging    bool          // loud enough to take the floor
	challengeSince time.Duration // since when, without a break
}

func newSpeakerLevel(joined uint64, pts time.Duration) *speakerLevel {
	return &speakerLevel{joined: joined, db: SilenceDBFS, at: pts}
}

// observe feeds the block [pts, pts+c.Block) at level db. The smoothing is
// a first-order low-pass in continuous PTS time: a gap before the block
// counts as silence, an overlap with the previous block counts once, and a
// block wholly in the past is ignored.
func (l *speakerLevel) observe(pts time.Duration, db float64, c *SpeakerConfig) {
	end := pts + c.Block
	if end <= l.at {
		return
	}
	if pts > l.at {
		l.db = approach(l.db, SilenceDBFS, pts-l.at, c.Smoothing)
		l.at = pts
	}
	l.db = approach(l.db, db, end-l.at, c.Smoothing)
	l.at = end
}

// effective returns the smoothed level at now: the last one, decayed
// towards silence for the time beyond c.Stale without a block.
func (l *speakerLevel) effective(now time.Duration, c *SpeakerConfig) float64 {
	if silent := now - l.at - c.Stale; silent > 0 {
		return approach(l.db, SilenceDBFS, silent, c.Smoothing)
	}
	return l.db
}

// challenge records whether a participant at level db challenges a
// speaker at curDB, and reports whether it has done so for c.Hold.
func (l *speakerLevel) challenge(db, curDB float64, now time.Duration, c *SpeakerConfig) bool {
	if db < c.SilenceDBFS || db < curDB+c.MarginDB {
		l.challenging = false
		return false
	}
	if !l.challenging {
		l.challenging, l.challengeSince = true, now
	}
	return now-l.challengeSince >= c.Hold
}

// louder reports whether a participant at db is louder than other at
// otherDB; at equal levels the earlier joined wins.
func (l *speakerLevel) louder(db float64, other *speakerLevel, otherDB float64) bool {
	if db != otherDB {
		return db > otherDB
	}
	return l.joined < other.joined
}

// approach moves from towards target as a first-order low-pass with time
// constant tau does in dt.
func approach(from, target float64, dt, tau time.Duration) float64 {
	return target + (from-target)*math.Exp(-float64(dt)/float64(tau))
}

// clampLevel bounds an observed level to [SilenceDBFS, 0], with NaN as
// silence.
func clampLevel(db float64) float64 {
	switch {
	case !(db >= SilenceDBFS):
		return SilenceDBFS
	case db > 0:
		return 0
	}
	return db
}
