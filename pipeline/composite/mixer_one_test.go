package composite_test

import (
	"math"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

// TestMixerPassesQuietBlocks: a block the limiter would leave alone (a
// single speaker under −2 dBFS) comes out exactly as pushed, before and
// after a loud passage that the limiter turns down.
func TestMixerPassesQuietBlocks(t *testing.T) {
	start := time.Duration(0)
	m := newMixer(t, composite.MixerConfig{Start: &start})
	const quietBlocks, loudBlocks, recoverBlocks = 5, 5, 100
	pushed := 0
	push := func(n int, v float32) {
		for range n {
			m.Push("a", composite.PCM{PTS: frameDuration(int64(pushed * block)), Samples: constant(block, v, -v)})
			pushed++
		}
	}
	push(quietBlocks, 0.5)
	push(loudBlocks, 0.95)
	push(recoverBlocks, 0.5)
	out := join(t, m.Pull(frameDuration(int64(pushed*block))))
	if len(out) != 2*pushed*block {
		t.Fatalf("%d samples, want %d", len(out), 2*pushed*block)
	}
	at := func(b int) float32 { return out[2*b*block] }
	if v := at(0); v != 0.5 {
		t.Errorf("a quiet block gives %v, want 0.5 as pushed", v)
	}
	if v := at(quietBlocks + 1); v > 0.7901 {
		t.Errorf("a loud block gives %v, want it limited to 0.79", v)
	}
	if v := at(quietBlocks + loudBlocks); v >= 0.5 {
		t.Errorf("right after the loud blocks %v, want the gain still recovering", v)
	}
	if v := out[len(out)-2]; v != 0.5 {
		t.Errorf("once the gain has recovered %v, want 0.5 as pushed", v)
	}
}

func frameDuration(frames int64) time.Duration {
	return time.Duration(frames) * time.Second / composite.SampleRate
}

// BenchmarkMixerOneSpeaker is the mixer's work for one second of a single
// speaker under −2 dBFS (50 blocks of 20 ms pushed and pulled).
func BenchmarkMixerOneSpeaker(b *testing.B) {
	samples := make([]float32, 2*opusFrames)
	for i := range samples {
		samples[i] = float32(0.5 * math.Sin(float64(i)/20))
	}
	start := time.Duration(0)
	m := newMixer(b, composite.MixerConfig{Start: &start})
	pts := time.Duration(0)
	for b.Loop() {
		for range 50 {
			m.Push("a", composite.PCM{PTS: pts, Samples: samples})
			pts += 20 * time.Millisecond
			m.Pull(pts - 100*time.Millisecond)
		}
	}
}
