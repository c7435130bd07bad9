package synth

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v3/pkg/media"
)

// TestSampleDuration checks that pion's conversion of Sample.Duration back
// to ticks, uint32(Duration.Seconds() * clock), gives exactly the ticks.
func TestSampleDuration(t *testing.T) {
	for _, clock := range []uint32{90000, 48000} {
		for ticks := uint32(1); ticks < 300000; ticks += 7 {
			d := sampleDuration(ticks, clock)
			if got := uint32(d.Seconds() * float64(clock)); got != ticks {
				t.Fatalf("clock %d: %d ticks -> %v -> %d ticks", clock, ticks, d, got)
			}
		}
	}
}

func TestTicksToDuration(t *testing.T) {
	cases := []struct {
		ticks uint64
		clock uint32
		want  time.Duration
	}{
		{3000, 90000, 33333333 * time.Nanosecond},
		{960, 48000, 20 * time.Millisecond},
		{90000 * 86400 * 30, 90000, 30 * 24 * time.Hour}, // a month: no overflow
	}
	for _, tc := range cases {
		if got := ticksToDuration(tc.ticks, tc.clock); got != tc.want {
			t.Errorf("ticksToDuration(%d, %d) = %v, want %v", tc.ticks, tc.clock, got, tc.want)
		}
	}
}

// TestPacerEnd checks that a stalled pacer catches up to the end of the
// schedule and writes exactly the units due before it.
func TestPacerEnd(t *testing.T) {
	n := 0
	p := pacer{
		kind: "test", clock: 1000, log: newDiscardLogger(),
		next:    func() unit { return unit{ticks: 20} },
		write:   func(media.Sample) error { return nil },
		written: func(unit) { n++ },
	}
	start := time.Now().Add(-time.Hour) // as if the process had slept
	p.run(context.Background(), start, start.Add(time.Second))
	if n != 50 {
		t.Fatalf("%d units of 20 ms in 1 s, want 50", n)
	}
}

func TestVideoLoopTicksAddUp(t *testing.T) {
	clip := &videoClip{frames: make([][]byte, 5), keys: []bool{true, false, false, false, false}}
	for _, fps := range []int{7, 24, 30, 60} {
		l := newVideoLoop(clip, fps, &atomic.Bool{})
		var sum uint64
		for range 3 * fps {
			sum += uint64(l.next().ticks)
		}
		if sum != 3*90000 {
			t.Errorf("%d fps: 3 s of frames last %d ticks, want %d", fps, sum, 3*90000)
		}
	}
}

func TestVideoLoopKeyRequest(t *testing.T) {
	clip := &videoClip{frames: [][]byte{{0}, {1}, {2}, {3}, {4}, {5}}, keys: []bool{true, false, false, true, false, false}}
	var req atomic.Bool
	l := newVideoLoop(clip, 30, &req)
	next := func() byte { return l.next().data[0] }
	if a, b := next(), next(); a != 0 || b != 1 {
		t.Fatalf("frames %d %d, want 0 1", a, b)
	}
	req.Store(true)
	if u := l.next(); u.data[0] != 3 || !u.key {
		t.Fatalf("after a key request: frame %d key %v, want keyframe 3", u.data[0], u.key)
	}
	next() // 4
	req.Store(true)
	if got := next(); got != 0 {
		t.Fatalf("key request near the end: frame %d, want the wrap to 0", got)
	}
	if req.Load() {
		t.Error("key request not consumed")
	}
}

// TestPacerSchedule runs a pacer at 100 Hz for half a second and checks
// that no unit goes out before its slot on the absolute schedule.
func TestPacerSchedule(t *testing.T) {
	start := time.Now()
	var at []time.Time
	p := pacer{
		kind: "test", clock: 1000, log: newDiscardLogger(),
		next:    func() unit { return unit{ticks: 10} }, // 10 ms
		write:   func(media.Sample) error { at = append(at, time.Now()); return nil },
		written: func(unit) {},
	}
	p.run(context.Background(), start, start.Add(500*time.Millisecond))
	if len(at) != 50 {
		t.Fatalf("%d samples in 500 ms at 100 Hz, want 50", len(at))
	}
	var late time.Duration
	for i, w := range at {
		slot := start.Add(time.Duration(i) * 10 * time.Millisecond)
		if w.Before(slot) {
			t.Fatalf("sample %d written %v before its slot", i, slot.Sub(w))
		}
		late = max(late, w.Sub(slot))
	}
	t.Logf("latest sample %v after its slot", late)
}
