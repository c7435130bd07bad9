package rtpclock

import (
	"testing"
	"time"
)

func TestTimestampGuard(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	s := time.Second
	steps := []struct {
		off  time.Duration // the frame's time minus its arrival
		at   time.Duration // its arrival after t0
		want Verdict
	}{
		{-100 * s, 0, GuardPass}, // the first frame sets the offset, whatever it is
		{-100*s + 30*time.Millisecond, 20 * time.Millisecond, GuardPass},
		{-97 * s, 40 * time.Millisecond, GuardPass}, // a burst of cached frames: 3 s
		{-100 * s, 60 * time.Millisecond, GuardPass},
		{3600 * s, 80 * time.Millisecond, GuardDrop}, // a wild timestamp
		{-100 * s, 100 * time.Millisecond, GuardPass},
		{-111 * s, 120 * time.Millisecond, GuardDrop}, // 11 s back
		{-90 * s, 140 * time.Millisecond, GuardPass},  // 10 s ahead of the last passed
		// The stream jumps for good: dropped for timestampResync, then taken.
		{1000 * s, 1 * s, GuardDrop},
		{1000 * s, 2 * s, GuardDrop},
		{1000 * s, 3*s + 999*time.Millisecond, GuardDrop},
		{1000 * s, 4 * s, GuardResync},
		{0, 4*s + 20*time.Millisecond, GuardPass}, // re-anchored on the arrival
		{50 * s, 5 * s, GuardDrop},
		{0, 6 * s, GuardPass}, // a frame that passes ends the run of drops
		{50 * s, 8 * s, GuardDrop},
		{50 * s, 10 * s, GuardDrop},
	}
	var g Guard
	for i, st := range steps {
		if got := g.Check(st.off, t0.Add(st.at)); got != st.want {
			t.Fatalf("step %d: verdict %d, want %d", i, got, st.want)
		}
	}
}
