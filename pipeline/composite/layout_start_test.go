package composite_test

import (
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestLayoutStartsAtStart joins a running room the way a job does: PTS 0
// is the job's start (LayoutConfig.Start), and the room's cache hands in
// the last 3 s of a participant's audio in one burst before the live
// units. The output must not compose from the oldest of it: its first
// video is a composed frame at Start when the participant has no camera,
// and the camera's cached keyframe, passed through, when it has one.
func TestLayoutStartsAtStart(t *testing.T) {
	t.Run("audio only", func(t *testing.T) {
		first := joinRunningRoom(t, nil)
		if first.Path == media.PathPassthrough || first.DTS < 0 || first.DTS > 100*time.Millisecond {
			t.Errorf("first video: %s at %v, want a composed frame at Start (0)", first.Path, first.DTS)
		}
	})
	t.Run("camera", func(t *testing.T) {
		cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
		first := joinRunningRoom(t, cam)
		if first.Path != media.PathPassthrough || !first.Key || first.DTS != -time.Second {
			t.Errorf("first video: %s at %v (key %v), want the camera's cached keyframe at -1s", first.Path, first.DTS, first.Key)
		}
	})
}

// joinRunningRoom runs a layout that starts at PTS 0, hands it 3 s of
// cached audio at once (and cam's last second from its keyframe, when
// cam is not nil), then live media, and returns the output's first video
// unit.
func joinRunningRoom(t *testing.T, cam *camera) *media.Unit {
	start := time.Duration(0)
	l, out := runLive(t, composite.LayoutConfig{Start: &start})
	mic := newMic(t, l, "a")
	t0 := time.Now()
	for pts := -3 * time.Second; pts < 0; pts += 20 * time.Millisecond {
		mic(pts)
	}
	var frame time.Duration // the camera's next PTS
	camTo := func(until time.Duration) {
		for ; cam != nil && frame < until; frame += time.Second / 30 {
			for _, u := range cam.frame(t, frame) {
				l.Unit(u)
			}
		}
	}
	if cam != nil {
		l.TrackAdded(cam.track)
		frame = -time.Second
		camTo(0)
	}
	var next time.Duration // the microphone's next PTS
	every(t, 10*time.Millisecond, func() {
		now := time.Since(t0)
		for ; next <= now; next += 20 * time.Millisecond {
			mic(next)
		}
		camTo(now)
	})
	testutil.Eventually(t, 15*time.Second, "1 s of video out", func() bool {
		nv, _ := out.get(media.KindVideo)
		return nv >= 30
	})
	out.video.mu.Lock()
	defer out.video.mu.Unlock()
	return out.video.units[0]
}

// TestLayoutWaitsForHeldVideo joins a running room whose camera's frames
// come 700 ms after its audio, as when the ingest holds them for the
// camera's first sender report: the output must wait for them and start
// with the camera's cached keyframe (at -800 ms), not send the audio past
// it and then drop it and its GOP as late.
func TestLayoutWaitsForHeldVideo(t *testing.T) {
	start := time.Duration(0)
	l, out := runLive(t, composite.LayoutConfig{Start: &start})
	mic := newMic(t, l, "a")
	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	l.TrackAdded(cam.track)
	held := holdFrames(t, cam, -800*time.Millisecond, 700*time.Millisecond)
	t0 := time.Now()
	for pts := -2 * time.Second; pts < 0; pts += 20 * time.Millisecond {
		mic(pts)
	}
	next := time.Duration(0)
	every(t, 10*time.Millisecond, func() {
		now := time.Since(t0)
		for ; next <= now; next += 20 * time.Millisecond {
			mic(next)
		}
		if now < 700*time.Millisecond {
			return // the camera's frames are held
		}
		held.release(t, l, now)
	})
	startsAtKeyframe(t, l, out, -800*time.Millisecond)
}

// startsAtKeyframe waits for 2 s of l's output and checks that it starts
// with the camera's keyframe at pts, passed through, and that l dropped
// nothing as late.
func startsAtKeyframe(t *testing.T, l *composite.Layout, out *kinds, pts time.Duration) {
	t.Helper()
	testutil.Eventually(t, 15*time.Second, "2 s of video out", func() bool {
		n, _ := out.get(media.KindVideo)
		return n >= 60
	})
	out.video.mu.Lock()
	first := out.video.units[0]
	out.video.mu.Unlock()
	if first.Path != media.PathPassthrough || !first.Key || first.DTS != pts {
		t.Errorf("first video: %s at %v (key %v), want the camera's cached keyframe at %v", first.Path, first.DTS, first.Key, pts)
	}
	if q := l.Quality(); q.VideoDropped != 0 || q.AudioDropped != 0 {
		t.Errorf("quality: %d video and %d audio units dropped as late, want none", q.VideoDropped, q.AudioDropped)
	}
}

// TestLayoutWaitsForSlowSubscription joins a running room over a
// subscription that takes 1.2 s to connect, longer than the output waits
// for video past Start: nothing comes before then, and then the
// microphone's cached and live audio. The camera's frames, from its
// keyframe at 500 ms, come 400 ms after that: because the ingest holds
// them for the camera's first sender report ("added"), or because the
// camera's track, announced with the room's track set, is added only with
// its first packet ("announced"). The output must start with that
// keyframe, passed through, and drop nothing.
func TestLayoutWaitsForSlowSubscription(t *testing.T) {
	for _, announce := range []bool{false, true} {
		name := map[bool]string{false: "added", true: "announced"}[announce]
		t.Run(name, func(t *testing.T) {
			start := time.Duration(0)
			l, out := runLive(t, composite.LayoutConfig{Start: &start})
			cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
			held := holdFrames(t, cam, 500*time.Millisecond, 1600*time.Millisecond)
			t0 := time.Now()
			var mic func(time.Duration)
			next := time.Duration(0) // the microphone's next live PTS
			every(t, 10*time.Millisecond, func() {
				now := time.Since(t0)
				if now < 1200*time.Millisecond {
					return // the subscription connects
				}
				if mic == nil {
					if announce {
						l.TracksAnnounced([]media.Track{*cam.track})
					} else {
						l.TrackAdded(cam.track)
					}
					mic = newMic(t, l, "a")
					for pts := -2 * time.Second; pts < 0; pts += 20 * time.Millisecond {
						mic(pts)
					}
				}
				for ; next <= now; next += 20 * time.Millisecond {
					mic(next)
				}
				if now < 1600*time.Millisecond {
					return // the camera's frames are held
				}
				if held.units != nil && announce {
					l.TrackAdded(cam.track)
				}
				held.release(t, l, now)
			})
			startsAtKeyframe(t, l, out, 500*time.Millisecond)
		})
	}
}

// heldCamera is a camera whose frames up to a PTS were encoded
// beforehand, as an ingest holding them would have them: released, they
// come at once, and the live frames follow.
type heldCamera struct {
	cam   *camera
	units []*media.Unit
	next  time.Duration // the next live frame's PTS
}

// holdFrames encodes cam's frames from from to to, for release.
func holdFrames(t *testing.T, cam *camera, from, to time.Duration) *heldCamera {
	h := &heldCamera{cam: cam, next: from}
	for ; h.next <= to; h.next += time.Second / 30 {
		h.units = append(h.units, cam.frame(t, h.next)...)
	}
	return h
}

// release hands l the held frames (the first time), then the live ones
// up to now.
func (h *heldCamera) release(t *testing.T, l *composite.Layout, now time.Duration) {
	for _, u := range h.units {
		l.Unit(u)
	}
	h.units = nil
	for ; h.next <= now; h.next += time.Second / 30 {
		for _, u := range h.cam.frame(t, h.next) {
			l.Unit(u)
		}
	}
}
