package composite_test

import (
	"context"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

// Replay composes recorded units offline, faster than real time: the
// output starts at from with a keyframe, ends before until, has one
// frame per slot, and shows the cameras (input before from only primes
// the decoders).
func TestLayoutReplay(t *testing.T) {
	a := newCamera(t, "a", media.SourceCamera, 320, 240, 200)
	b := newCamera(t, "b", media.SourceCamera, 320, 240, 60)
	var units []*media.Unit
	for i := range 150 { // 5 s from −2 s, a keyframe every second
		pts := time.Duration(i)*time.Second/30 - 2*time.Second
		units = append(units, a.frame(t, pts)...)
		units = append(units, b.frame(t, pts)...)
	}
	for _, u := range units {
		u.DTS = u.PTS
	}
	l, err := composite.NewLayout(composite.LayoutConfig{
		View: composite.View{Mode: composite.ModeGrid}, Width: 640, Height: 240, FPS: 30,
		KeyframeInterval: time.Second, NoPassthrough: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	l.TrackAdded(a.track)
	l.TrackAdded(b.track)
	out := &output{}
	start := time.Now()
	from, until := 500*time.Millisecond, 2500*time.Millisecond
	if err := l.Replay(context.Background(), units, from, until, out.sink); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if len(out.units) < 58 || len(out.units) > 60 {
		t.Errorf("%d frames for 2 s at 30 fps", len(out.units))
	}
	if !out.units[0].Key || out.units[0].PTS < from || out.units[len(out.units)-1].PTS >= until {
		t.Errorf("first frame key %v at %v, last at %v: want a keyframe at %v, all before %v", out.units[0].Key, out.units[0].PTS, out.units[len(out.units)-1].PTS, from, until)
	}
	if step := out.maxStep(); step > 40*time.Millisecond {
		t.Errorf("a step of %v between output frames", step)
	}
	f := out.latest(t)
	if !near(lumaAt(f, 160, 120), 200) || !near(lumaAt(f, 480, 120), 60) {
		t.Errorf("picture %d | %d, want both cameras (200 | 60)", lumaAt(f, 160, 120), lumaAt(f, 480, 120))
	}
	dumpFrame(t, f, "replay")
	t.Logf("replayed 2 s in %v", took)
	if took > 2*time.Second {
		t.Errorf("replay of 2 s took %v: not faster than real time", took)
	}
}

// A composed camera that becomes one to pass through (the layout changes
// to speaker alone) half a second before its next keyframe: the layout
// composes it until the keyframe is due, then passes it through, with no
// hole in the output's video.
func TestPassthroughSwitchLeavesNoHole(t *testing.T) {
	l, out := runLayout(t, composite.LayoutConfig{View: composite.View{Mode: composite.ModeGrid}})
	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	l.TrackAdded(cam.track)
	start := time.Now()
	tk := time.NewTicker(time.Second / 30)
	defer tk.Stop()
	sent, switched := 0, false
	for range tk.C {
		pts := time.Since(start)
		if pts > 2500*time.Millisecond {
			break
		}
		for _, u := range cam.frame(t, pts) {
			sent++
			l.Unit(u)
		}
		if pts > 500*time.Millisecond && !switched {
			switched = true
			if err := l.SetView(composite.View{Mode: composite.ModeSpeaker}); err != nil {
				t.Fatal(err)
			}
		}
	}
	testutil.Eventually(t, 2*time.Second, "output past 2 s", func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		return len(out.units) > 0 && out.units[len(out.units)-1].PTS > 2*time.Second
	})
	out.mu.Lock()
	defer out.mu.Unlock()
	// The encoder's track first, then the passed-through camera's.
	composed, passed := 0, 0
	for _, u := range out.units {
		if u.Track == out.units[0].Track {
			composed++
		} else {
			passed++
		}
	}
	if composed == 0 || passed == 0 {
		t.Errorf("%d composed and %d passed-through frames: want composing first, then passthrough", composed, passed)
	}
	var step time.Duration
	for i := 1; i < len(out.units); i++ {
		step = max(step, out.units[i].DTS-out.units[i-1].DTS)
	}
	t.Logf("%d composed, then %d passed through; largest step %v", composed, passed, step)
	if step > 50*time.Millisecond {
		t.Errorf("a hole of %v in the video while switching to passthrough", step)
	}
}
