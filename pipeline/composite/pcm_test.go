package composite_test

import (
	"math"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

func TestLevel(t *testing.T) {
	for _, c := range []struct {
		name    string
		samples []float32
		want    float64
	}{
		{"empty", nil, composite.SilenceDBFS},
		{"silence", make([]float32, 2048), composite.SilenceDBFS},
		{"full scale square", constant(1024, 1, -1), 0},
		{"half scale square", constant(1024, 0.5, -0.5), -6.0206},
		{"full scale sine", sine(48000, 1000, 1, 0).Samples, -3.0103},
		{"tiny", constant(1024, 1e-9, 1e-9), composite.SilenceDBFS},
		{"NaN", constant(4, float32(math.NaN()), 0), composite.SilenceDBFS},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := composite.Level(composite.PCM{Samples: c.samples})
			if math.Abs(got-c.want) > 1e-3 {
				t.Errorf("Level = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPCMFramesAndDuration(t *testing.T) {
	p := composite.PCM{Samples: make([]float32, 2*1024+1)}
	if p.Frames() != 1024 {
		t.Errorf("Frames = %d, want 1024", p.Frames())
	}
	if d := p.Duration(); d != 21333333*time.Nanosecond {
		t.Errorf("Duration = %v, want 21.333333ms", d)
	}
}

// constant returns frames stereo frames of left, right.
func constant(frames int, left, right float32) []float32 {
	s := make([]float32, 0, 2*frames)
	for range frames {
		s = append(s, left, right)
	}
	return s
}

// sine returns frames of a stereo sine of freq Hz and amplitude amp whose
// first frame is frame first of the tone (so consecutive chunks join up).
// The right channel is the left one inverted, to tell channels apart.
func sine(frames int, freq, amp float64, first int64) composite.PCM {
	s := make([]float32, 2*frames)
	for i := range frames {
		v := float32(amp * math.Sin(2*math.Pi*freq*float64(first+int64(i))/composite.SampleRate))
		s[2*i], s[2*i+1] = v, -v
	}
	return composite.PCM{PTS: framePTS(first), Samples: s}
}

// framePTS returns the PTS of sample frame f, to the nearest nanosecond.
func framePTS(f int64) time.Duration {
	num := f * int64(time.Second)
	if num < 0 {
		return -time.Duration((-num + composite.SampleRate/2) / composite.SampleRate)
	}
	return time.Duration((num + composite.SampleRate/2) / composite.SampleRate)
}
