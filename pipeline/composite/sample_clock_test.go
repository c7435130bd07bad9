package composite

import (
	"math"
	"testing"
	"time"
)

func TestPTSToFrame(t *testing.T) {
	for _, c := range []struct {
		pts  time.Duration
		want int64
	}{
		{0, 0},
		{10416, 0}, // just under half a frame (10416.67 ns)
		{10417, 1},
		{-10416, 0},
		{-10417, -1},
		{20833, 1},
		{time.Second, 48000},
		{-time.Second, -48000},
		{21333333, 1024},
		{time.Hour, 172_800_000},
	} {
		if got := ptsToFrame(c.pts); got != c.want {
			t.Errorf("ptsToFrame(%d) = %d, want %d", c.pts, got, c.want)
		}
	}
}

func TestFrameToPTSRoundTrips(t *testing.T) {
	for _, base := range []int64{0, -1 << 20, 1 << 40, -(1 << 40)} {
		for f := base - 1000; f < base+1000; f++ {
			pts := frameToPTS(f)
			if got := ptsToFrame(pts); got != f {
				t.Fatalf("ptsToFrame(frameToPTS(%d) = %d) = %d", f, pts, got)
			}
			exact := float64(f) * 1e9 / SampleRate
			if d := math.Abs(float64(pts) - exact); d > 0.5+1e-6*math.Abs(exact)/1e9 {
				t.Fatalf("frameToPTS(%d) = %d, %v ns from %v", f, pts, d, exact)
			}
		}
	}
}

func TestSoftClip(t *testing.T) {
	prev := float32(math.Inf(-1))
	for x := float32(-40); x <= 40; x += 0.001 {
		y := softClip(x)
		if y < -1 || y > 1 {
			t.Fatalf("softClip(%v) = %v, outside -1..1", x, y)
		}
		if y < prev {
			t.Fatalf("softClip is not monotonic at %v: %v < %v", x, y, prev)
		}
		if x >= -softClipKnee && x <= softClipKnee && y != x {
			t.Fatalf("softClip(%v) = %v, want the identity below the knee", x, y)
		}
		prev = y
	}
	for _, x := range []float32{float32(math.Inf(1)), float32(math.Inf(-1))} {
		if y := softClip(x); y < -1 || y > 1 {
			t.Errorf("softClip(%v) = %v", x, y)
		}
	}
	// The slope is continuous at the knee: just above it, the curve still
	// rises one for one.
	if d := softClip(softClipKnee+1e-3) - (softClipKnee + 1e-3); math.Abs(float64(d)) > 1e-5 {
		t.Errorf("softClip bends at the knee by %v", d)
	}
}
