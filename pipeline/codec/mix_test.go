package codec

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestMixInto(t *testing.T) {
	for _, tc := range []struct {
		name          string
		dst, src, out []float32
	}{
		{"adds", []float32{0.1, -0.2, 0}, []float32{0.2, 0.1, 0}, []float32{0.3, -0.1, 0}},
		{"clips", []float32{0.8, -0.8}, []float32{0.5, -0.5}, []float32{1, -1}},
		{"shorter src", []float32{0.1, 0.1}, []float32{0.1}, []float32{0.2, 0.1}},
		{"longer src", []float32{0.1}, []float32{0.1, 0.9}, []float32{0.2}},
		{"NaN silenced", []float32{float32(math.NaN())}, []float32{0.1}, []float32{0}},
		{"empty", nil, []float32{1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			MixInto(tc.dst, tc.src)
			if !slices.EqualFunc(tc.dst, tc.out, func(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 }) {
				t.Errorf("got %v, want %v", tc.dst, tc.out)
			}
		})
	}
}

func TestLevel(t *testing.T) {
	square := []float32{1, -1, 1, -1}
	for _, tc := range []struct {
		name string
		pcm  []float32
		want float64
	}{
		{"full-scale square", square, 0},
		{"full-scale sine", sine(48000, 48000, 1, 1000, 1), -3.01},
		{"sine at 1/8", sine(48000, 48000, 2, 440, 0.125), -21.07},
		{"silence", make([]float32, 960), MinLevel},
		{"empty", nil, MinLevel},
		{"below the floor", []float32{1e-9, -1e-9}, MinLevel},
	} {
		if got := Level(tc.pcm); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("%s: Level = %.3f, want %.2f", tc.name, got, tc.want)
		}
	}
}

func TestKeyframeClock(t *testing.T) {
	frame := time.Second / 30
	k := newKeyframeClock(2*time.Second, 30)
	if k.keyint != 60 {
		t.Fatalf("keyint %d, want 60", k.keyint)
	}
	var forced []int
	for i := range 200 {
		pts := time.Duration(i) * frame
		if i >= 100 { // from frame 100 on, every other frame is dropped
			pts = time.Duration(100+2*(i-100)) * frame
		}
		if k.next(pts, i == 30) {
			forced = append(forced, i)
		}
	}
	// 30: requested; 90 is x264's own (60 frames after 30); from 100 on
	// frames come at 15 fps, so time wins: 2 s after frame 90 (PTS 90
	// frames) is PTS 150 frames, input frame 125, then every 30 frames.
	if want := []int{30, 125, 155, 185}; !slices.Equal(forced, want) {
		t.Errorf("forced at %v, want %v", forced, want)
	}
}
