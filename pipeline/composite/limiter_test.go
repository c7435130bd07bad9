package composite

import (
	"math"
	"testing"
)

// sineBlock is a stereo block of a sine of amplitude a.
func sineBlock(a float64, frames, from int) []float32 {
	s := make([]float32, frames*Channels)
	for f := range frames {
		v := float32(a * math.Sin(2*math.Pi*440*float64(from+f)/SampleRate))
		for c := range Channels {
			s[f*Channels+c] = v
		}
	}
	return s
}

func TestLimiter(t *testing.T) {
	const block = 960
	l := newLimiter()
	// Quiet: untouched.
	quiet := sineBlock(0.5, block, 0)
	in := append([]float32(nil), quiet...)
	l.process(quiet)
	for i := range quiet {
		if quiet[i] != in[i] {
			t.Fatalf("a quiet block changed at %d: %v → %v", i, in[i], quiet[i])
		}
	}
	// Four loud participants summed (2.4 peak): held under the ceiling
	// with the same waveform, quieter, not clipped flat.
	for b := 1; b < 10; b++ {
		loud := sineBlock(2.4, block, b*block)
		orig := append([]float32(nil), loud...)
		l.process(loud)
		for i, v := range loud {
			if math.Abs(float64(v)) > limiterCeiling+1e-6 {
				t.Fatalf("block %d sample %d: %v over the ceiling %v", b, i, v, limiterCeiling)
			}
			if f := i / Channels; b > 1 && f > limiterAttack && math.Abs(float64(orig[i])) > 0.1 {
				if g := v / orig[i]; math.Abs(float64(g)-limiterCeiling/2.4) > 1e-3 {
					t.Fatalf("block %d sample %d: gain %v, want a steady %v (the waveform scaled, not clipped)", b, i, g, limiterCeiling/2.4)
				}
			}
		}
	}
	// Back to quiet: the gain recovers smoothly to 1 (150 ms release).
	prev := l.gain
	for b := 10; b < 60; b++ {
		l.process(sineBlock(0.3, block, b*block))
		if l.gain < prev {
			t.Fatalf("block %d: gain fell to %v while quiet", b, l.gain)
		}
		prev = l.gain
	}
	if l.gain < 0.99 {
		t.Errorf("gain %v a second after the peaks: want back to 1", l.gain)
	}
}
