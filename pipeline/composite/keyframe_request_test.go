package composite_test

import (
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

// keyframes counts the output's video keyframes.
func (o *output) keyframes() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, u := range o.units {
		if u.Key {
			n++
		}
	}
	return n
}

// TestRequestKeyframeComposed: a composed canvas makes its next frame an
// IDR when asked (an output started), long before its interval; a second
// request within a second is not taken.
func TestRequestKeyframeComposed(t *testing.T) {
	l, out := runLayout(t, composite.LayoutConfig{View: composite.View{Mode: composite.ModeGrid}, KeyframeInterval: 30 * time.Second})
	startRoom(t, l, newCamera(t, "a", media.SourceCamera, 320, 180, 60), newCamera(t, "b", media.SourceCamera, 320, 180, 200))
	testutil.Eventually(t, 5*time.Second, "the first keyframe and a few frames", func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		return len(out.units) > 10
	})
	if n := out.keyframes(); n != 1 {
		t.Fatalf("%d keyframes before any request, want 1 (interval 30 s)", n)
	}
	l.RequestKeyframe("")
	testutil.Eventually(t, 2*time.Second, "the requested keyframe", func() bool { return out.keyframes() == 2 })
	l.RequestKeyframe(composite.MainCanvas) // within a second: not taken
	l.RequestKeyframe("no-such-canvas")
	frames := func() int { out.mu.Lock(); defer out.mu.Unlock(); return len(out.units) }
	seen := frames()
	testutil.Eventually(t, 3*time.Second, "10 more frames", func() bool { return frames() >= seen+10 })
	if n := out.keyframes(); n != 2 {
		t.Errorf("%d keyframes after a second request within a second, want still 2", n)
	}
}

// TestRequestKeyframePassthrough: a canvas passing a camera through asks
// the camera's publisher (LayoutConfig.RequestKeyframe) instead.
func TestRequestKeyframePassthrough(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	l, out := runLayout(t, composite.LayoutConfig{
		View: composite.View{Mode: composite.ModeSpeaker},
		RequestKeyframe: func(id string) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, id)
		},
	})
	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	startRoom(t, l, cam)
	testutil.Eventually(t, 5*time.Second, "passed-through frames", func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		return len(out.units) > 10 // passed through from the first: nothing was composed before
	})
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, id := range asked {
			if id == cam.track.ID {
				n++
			}
		}
		return n
	}
	before := count()
	l.RequestKeyframe("")
	if n := count(); n != before+1 {
		t.Fatalf("the camera was asked %d times for a keyframe, want %d", n, before+1)
	}
}

// TestPassthroughAsksForParameterSets: the first keyframe of the camera
// the layout passes through comes without its SPS and PPS (their packets
// lost on the way, or a publisher that sends them now and then): it
// cannot start the passthrough, so the layout asks the camera for another
// keyframe, and starts with that one when it comes whole.
func TestPassthroughAsksForParameterSets(t *testing.T) {
	var mu sync.Mutex
	asked := 0
	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	l, out := runLayout(t, composite.LayoutConfig{
		View: composite.View{Mode: composite.ModeSpeaker},
		RequestKeyframe: func(id string) {
			mu.Lock()
			defer mu.Unlock()
			if id == cam.track.ID {
				asked++
			}
		},
	})
	l.TrackAdded(cam.track)
	// The camera's keyframe without its parameter sets, and its GOP.
	var pts time.Duration
	for ; pts < 500*time.Millisecond; pts += time.Second / 30 {
		for _, u := range cam.frame(t, pts) {
			if u.Key {
				u = withoutParameterSets(t, u)
			}
			l.Unit(u)
		}
	}
	mu.Lock()
	n := asked
	mu.Unlock()
	if n == 0 {
		t.Fatal("the camera was not asked for a keyframe after one without SPS and PPS")
	}
	cam.enc.RequestKeyframe()
	whole := pts
	for ; pts < 2*time.Second; pts += time.Second / 30 {
		for _, u := range cam.frame(t, pts) {
			l.Unit(u)
		}
	}
	testutil.Eventually(t, 5*time.Second, "passed-through frames", func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		return len(out.units) > 10
	})
	out.mu.Lock()
	first := out.units[0]
	out.mu.Unlock()
	if first.Path != media.PathPassthrough || !first.Key || first.PTS != whole {
		t.Errorf("first video: %s at %v (key %v), want the whole keyframe at %v, passed through", first.Path, first.PTS, first.Key, whole)
	}
}

// withoutParameterSets returns a copy of u without its SPS and PPS.
func withoutParameterSets(t *testing.T, u *media.Unit) *media.Unit {
	t.Helper()
	var kept [][]byte
	for _, n := range h264.SplitAnnexB(u.Data) {
		if tp := h264.Type(n); tp != h264.NALUTypeSPS && tp != h264.NALUTypePPS {
			kept = append(kept, n)
		}
	}
	c := *u
	c.Data = h264.JoinAnnexB(kept)
	if len(c.Data) == len(u.Data) {
		t.Fatal("the camera's keyframe has no SPS and PPS to take out")
	}
	return &c
}
