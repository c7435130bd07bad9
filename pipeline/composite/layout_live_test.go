package composite_test

import (
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
	"github.com/roomcast/roomcast/test/testutil"
)

// kinds counts a layout's output units of each kind, and the DTS of the
// last one; it keeps the video to decode.
type kinds struct {
	video output
	mu    sync.Mutex
	n     map[media.Kind]int
	last  map[media.Kind]time.Duration
	dts   map[media.Kind][]time.Duration // every unit's
	order bool                           // every unit's DTS at or after the one before it
	prev  time.Duration
}

func (k *kinds) sink(u *media.Unit) {
	k.video.sink(u)
	k.mu.Lock()
	defer k.mu.Unlock()
	if u.DTS < k.prev {
		k.order = false
	}
	k.prev = u.DTS
	k.n[u.Track.Kind]++
	k.last[u.Track.Kind] = u.DTS
	if k.dts == nil {
		k.dts = map[media.Kind][]time.Duration{}
	}
	k.dts[u.Track.Kind] = append(k.dts[u.Track.Kind], u.DTS)
}

func (k *kinds) get(kind media.Kind) (int, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n[kind], k.last[kind]
}

// TestPassthroughSteppedByInputs runs a passthrough layout whose own
// goroutine, once it passes the camera through, waits an hour between
// steps: the passed-through video and the mixed audio must still leave as
// their units come, stepped by the goroutines that hand them in; and
// when the layout composes again, Run must be woken to make its frames.
func TestPassthroughSteppedByInputs(t *testing.T) {
	l, out := runLive(t, composite.LayoutConfig{})
	composite.SetPassIdle(l, time.Hour)

	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	r := startRoom(t, l, cam)
	mic := newMic(t, l, "a")
	every(t, 20*time.Millisecond, func() { mic(time.Since(r.start)) })

	// 4 s of passthrough at 30 fps and 50 blocks of AAC (1024 samples at
	// 48 kHz) a second.
	testutil.Eventually(t, 15*time.Second, "4 s of passed-through video and mixed audio", func() bool {
		nv, _ := out.get(media.KindVideo)
		na, _ := out.get(media.KindAudio)
		return nv >= 120 && na >= 180
	})
	behind(t, out, time.Since(r.start))
	showsCamera(t, out, "passthrough")

	// Composing again, the output goes on at its tick: Run is woken.
	if err := l.SetView(composite.View{Mode: composite.ModeGrid}); err != nil {
		t.Fatal(err)
	}
	nv, _ := out.get(media.KindVideo)
	testutil.Eventually(t, 15*time.Second, "2 s of composed video", func() bool {
		n, _ := out.get(media.KindVideo)
		return n >= nv+60
	})
	behind(t, out, time.Since(r.start))
	showsCamera(t, out, "grid")
	out.mu.Lock()
	defer out.mu.Unlock()
	if !out.order {
		t.Error("the output's DTS went back")
	}
}

// TestPassthroughAudioWhole passes a camera through for 6.5 s with its
// microphone, which starts 300 ms later, as a room's cached keyframe leads
// its audio: the layout then knows the lateness of all its inputs (the
// interleaver's wait) before it knows the audio's (the latency). The
// output's audio must start with the video (silence first) and run
// without a hole, across the 5 s mark where its latency falls from
// LayoutConfig.Latency to a few tens of ms. The interleaver used to
// release the passed-through video alone before the first audio, and to
// take the audio, trailing by that latency and the encoder's delay, for
// stalled once its wait fell at 5 s: both times it dropped about 300 ms
// of audio as late.
func TestPassthroughAudioWhole(t *testing.T) {
	passWithMicFrom(t, 300*time.Millisecond, 300*time.Millisecond, 6500*time.Millisecond)
}

// TestPassthroughAudioComesLate passes a camera through alone for 2 s
// before its microphone starts, as in a room whose only participant
// unmutes: the output has audio from its start (silence), and the
// microphone's joins it with nothing dropped, neither by the mix as late
// nor by the interleaver behind the video already sent.
func TestPassthroughAudioComesLate(t *testing.T) {
	passWithMicFrom(t, 0, 2*time.Second, 3*time.Second)
}

// passWithMicFrom passes a camera through, with a layout of latency
// (0: the tests' default), and its microphone from micFrom on, until the
// output's audio reaches until; then it checks that the output's audio
// started with its video and has no hole, and that neither the mix nor
// the output dropped any.
func passWithMicFrom(t *testing.T, latency, micFrom, until time.Duration) {
	l, out := runLive(t, composite.LayoutConfig{Latency: latency})
	mic := newMic(t, l, "a") // before the camera starts: it makes its audio with ffmpeg
	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	r := startRoom(t, l, cam)
	every(t, 20*time.Millisecond, func() {
		if at := time.Since(r.start); at >= micFrom {
			mic(at)
		}
	})
	testutil.Eventually(t, 20*time.Second, "the output's audio", func() bool {
		_, last := out.get(media.KindAudio)
		return last >= until
	})
	out.mu.Lock()
	v0, a := out.dts[media.KindVideo][0], out.dts[media.KindAudio]
	out.mu.Unlock()
	if d := a[0] - v0; d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Errorf("the audio starts %v after the video, want with it (±50 ms): silence until the microphone's", d)
	}
	const block = 1024 * time.Second / 48000
	for i := 1; i < len(a); i++ {
		if d := a[i] - a[i-1]; d > block+time.Millisecond {
			t.Errorf("audio hole of %v at %v", d-block, a[i-1]+block)
		}
	}
	if q := l.Quality(); q.AudioDropped != 0 || q.VideoDropped != 0 {
		t.Errorf("quality: %d audio and %d video units dropped as late, want none", q.AudioDropped, q.VideoDropped)
	}
	if st := composite.MixStats(l); st.PushedFrames == 0 || st.DroppedLateFrames != 0 {
		t.Errorf("mix: %d frames pushed, %d dropped as late; want some and none", st.PushedFrames, st.DroppedLateFrames)
	}
}

// runLive runs a speaker layout (runLayoutInto) with cfg's Start and
// Latency into a kinds sink until the test ends.
func runLive(t *testing.T, cfg composite.LayoutConfig) (*composite.Layout, *kinds) {
	t.Helper()
	out := &kinds{n: map[media.Kind]int{}, last: map[media.Kind]time.Duration{}, order: true}
	l := runLayoutInto(t, composite.LayoutConfig{View: composite.View{Mode: composite.ModeSpeaker}, Start: cfg.Start, Latency: cfg.Latency}, out.sink)
	return l, out
}

// newMic adds participant id's microphone to l; the function it returns
// hands l the microphone's next Opus unit, at pts.
func newMic(t *testing.T, l *composite.Layout, id string) func(pts time.Duration) {
	t.Helper()
	audio, _ := mediafixture.OpusUnits(t, 6*time.Second, 1)
	mic := &media.Track{ID: id + "-mic", Kind: media.KindAudio, Codec: media.CodecOpus, ClockRate: 48000, ParticipantID: id, Source: media.SourceMicrophone}
	l.TrackAdded(mic)
	var mu sync.Mutex
	n := 0
	return func(pts time.Duration) {
		mu.Lock()
		u := *audio[n%len(audio)]
		n++
		mu.Unlock()
		u.Track, u.PTS, u.DTS = mic, pts, pts
		l.Unit(&u)
	}
}

// every calls fn every d, from one goroutine, until the test ends (its
// cleanups run after the test's own defers, before runLive's).
func every(t *testing.T, d time.Duration, fn func()) {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); wg.Wait() })
	wg.Go(func() {
		tk := time.NewTicker(d)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			fn()
		}
	})
}

// behind checks that the output is less than 500 ms behind now.
func behind(t *testing.T, out *kinds, now time.Duration) {
	t.Helper()
	for _, k := range []media.Kind{media.KindVideo, media.KindAudio} {
		if _, last := out.get(k); now-last > 500*time.Millisecond {
			t.Errorf("%s output is %s behind its input", k, now-last)
		}
	}
}

// showsCamera decodes the output so far and checks that its newest
// picture shows the camera (luma 200) in the middle; the picture goes to
// $ROOMCAST_FRAMES_DIR when set.
func showsCamera(t *testing.T, out *kinds, what string) {
	t.Helper()
	f := out.video.latest(t)
	dumpFrame(t, f, what)
	if y := lumaAt(f, f.Width/2, f.Height/2); !near(y, 200) {
		t.Errorf("%s: the picture's middle has luma %d, want the camera's 200", what, y)
	}
}
