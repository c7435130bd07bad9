package source

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
		want guardVerdict
	}{
		{-100 * s, 0, guardPass}, // the first frame sets the offset, whatever it is
		{-100*s + 30*time.Millisecond, 20 * time.Millisecond, guardPass},
		{-97 * s, 40 * time.Millisecond, guardPass}, // a burst of cached frames: 3 s
		{-100 * s, 60 * time.Millisecond, guardPass},
		{3600 * s, 80 * time.Millisecond, guardDrop}, // a wild timestamp
		{-100 * s, 100 * time.Millisecond, guardPass},
		{-111 * s, 120 * time.Millisecond, guardDrop}, // 11 s back
		{-90 * s, 140 * time.Millisecond, guardPass},  // 10 s ahead of the last passed
		// The stream jumps for good: dropped for timestampResync, then taken.
		{1000 * s, 1 * s, guardDrop},
		{1000 * s, 2 * s, guardDrop},
		{1000 * s, 3*s + 999*time.Millisecond, guardDrop},
		{1000 * s, 4 * s, guardResync},
		{0, 4*s + 20*time.Millisecond, guardPass}, // re-anchored on the arrival
		{50 * s, 5 * s, guardDrop},
		{0, 6 * s, guardPass}, // a frame that passes ends the run of drops
		{50 * s, 8 * s, guardDrop},
		{50 * s, 10 * s, guardDrop},
	}
	var g timestampGuard
	for i, st := range steps {
		if got := g.check(st.off, t0.Add(st.at)); got != st.want {
			t.Fatalf("step %d: verdict %d, want %d", i, got, st.want)
		}
	}
}
