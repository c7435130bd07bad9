package composite_test

import (
	"context"
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
	order bool // every unit's DTS at or after the one before it
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
	l, err := composite.NewLayout(composite.LayoutConfig{
		View: composite.View{Mode: composite.ModeSpeaker}, Width: 320, Height: 180, FPS: 30, VideoKbps: 800,
		Latency: 150 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	composite.SetPassIdle(l, time.Hour)
	out := &kinds{n: map[media.Kind]int{}, last: map[media.Kind]time.Duration{}, order: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, out.sink) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("layout run: %v", err)
		}
	}()

	cam := newCamera(t, "a", media.SourceCamera, 320, 180, 200)
	r := startRoom(t, l, cam)
	audio, _ := mediafixture.OpusUnits(t, 6*time.Second, 1)
	mic := &media.Track{ID: "a-mic", Kind: media.KindAudio, Codec: media.CodecOpus, ClockRate: 48000, ParticipantID: "a", Source: media.SourceMicrophone}
	l.TrackAdded(mic)
	var feeder sync.WaitGroup
	stop := make(chan struct{})
	defer func() { close(stop); feeder.Wait() }()
	feeder.Go(func() {
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			u := *audio[i%len(audio)]
			u.Track, u.PTS = mic, time.Since(r.start)
			u.DTS = u.PTS
			l.Unit(&u)
		}
	})

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
