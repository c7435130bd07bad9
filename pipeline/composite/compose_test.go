package composite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

// camera is a test participant's video: solid frames of one luma value,
// encoded as H.264 in real time.
type camera struct {
	track *media.Track
	enc   *codec.VideoEncoder
	luma  byte
	w, h  int
}

func newCamera(t *testing.T, id string, src media.Source, w, h int, luma byte) *camera {
	t.Helper()
	enc, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{TrackID: id, Width: w, Height: h, FPS: 30, BitrateKbps: 300, KeyframeInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(enc.Close)
	tr := &media.Track{ID: id + "-" + string(src), Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000,
		ParticipantID: id, ParticipantName: "Name " + id, Source: src}
	return &camera{track: tr, enc: enc, luma: luma, w: w, h: h}
}

func (c *camera) frame(t *testing.T, pts time.Duration) []*media.Unit {
	f := codec.NewVideoFrame(c.w, c.h)
	for i := range f.Y {
		f.Y[i] = c.luma
	}
	f.PTS = pts
	us, err := c.enc.Encode(f)
	if err != nil {
		t.Errorf("encode: %v", err)
	}
	for _, u := range us {
		u.Track = c.track
	}
	return us
}

// room feeds cameras into a layout in real time until stopped; a camera
// can be paused (a stall) or removed.
type room struct {
	t      *testing.T
	l      *composite.Layout
	start  time.Time
	mu     sync.Mutex
	cams   []*camera
	paused map[*camera]bool
	stop   chan struct{}
	done   sync.WaitGroup
}

func startRoom(t *testing.T, l *composite.Layout, cams ...*camera) *room {
	r := &room{t: t, l: l, start: time.Now(), paused: map[*camera]bool{}, stop: make(chan struct{})}
	for _, c := range cams {
		r.add(c)
	}
	r.done.Go(r.run)
	t.Cleanup(r.close)
	return r
}

func (r *room) add(c *camera) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.l.TrackAdded(c.track)
	r.cams = append(r.cams, c)
}

func (r *room) remove(c *camera) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, o := range r.cams {
		if o == c {
			r.cams = append(r.cams[:i], r.cams[i+1:]...)
		}
	}
	r.l.TrackRemoved(c.track)
}

func (r *room) pause(c *camera) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paused[c] = true
}

func (r *room) run() {
	tk := time.NewTicker(time.Second / 30)
	defer tk.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tk.C:
		}
		pts := time.Since(r.start)
		r.mu.Lock()
		for _, c := range r.cams {
			if r.paused[c] {
				continue
			}
			for _, u := range c.frame(r.t, pts) {
				r.l.Unit(u)
			}
		}
		r.mu.Unlock()
	}
}

func (r *room) close() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	r.done.Wait()
}

// output collects a layout's encoded video and decodes the newest frame.
type output struct {
	mu    sync.Mutex
	units []*media.Unit
}

func (o *output) sink(u *media.Unit) {
	if u.Track.Kind != media.KindVideo {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.units = append(o.units, u)
}

// latest decodes everything so far and returns the last picture.
func (o *output) latest(t *testing.T) *codec.VideoFrame {
	t.Helper()
	o.mu.Lock()
	units := append([]*media.Unit(nil), o.units...)
	o.mu.Unlock()
	d, err := codec.NewVideoDecoder(media.CodecH264)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var last *codec.VideoFrame
	for _, u := range units {
		fs, err := d.Decode(u)
		if err != nil {
			t.Fatalf("output does not decode at %s: %v", u.PTS, err)
		}
		if len(fs) > 0 {
			last = fs[len(fs)-1]
		}
	}
	if last == nil {
		t.Fatalf("no output frame in %d units", len(units))
	}
	return last
}

// gaps returns the largest step between consecutive output DTS.
func (o *output) maxStep() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	var step time.Duration
	for i := 1; i < len(o.units); i++ {
		step = max(step, o.units[i].DTS-o.units[i-1].DTS)
	}
	return step
}

func lumaAt(f *codec.VideoFrame, x, y int) byte { return f.Y[y*f.StrideY+x] }

func near(a, b byte) bool { return a+12 >= b && b+12 >= a }

func runLayout(t *testing.T, cfg composite.LayoutConfig) (*composite.Layout, *output) {
	t.Helper()
	out := &output{}
	return runLayoutInto(t, cfg, out.sink), out
}

// runLayoutInto runs a layout of cfg at 320x180, 30 fps (latency 150 ms
// unless cfg sets it), into sink until the test ends.
func runLayoutInto(t *testing.T, cfg composite.LayoutConfig, sink func(*media.Unit)) *composite.Layout {
	t.Helper()
	cfg.Width, cfg.Height, cfg.FPS, cfg.VideoKbps = 320, 180, 30, 800
	if cfg.Latency == 0 {
		cfg.Latency = 150 * time.Millisecond
	}
	l, err := composite.NewLayout(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, sink) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("layout run: %v", err)
		}
	})
	return l
}

// waitPicture polls the output until check accepts the newest picture.
func waitPicture(t *testing.T, out *output, what string, check func(*codec.VideoFrame) bool) *codec.VideoFrame {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		time.Sleep(100 * time.Millisecond)
		out.mu.Lock()
		n := len(out.units)
		out.mu.Unlock()
		if n == 0 {
			continue
		}
		f := out.latest(t)
		if check(f) {
			dumpFrame(t, f, what)
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 8 s", what)
		}
	}
}

func TestGridPresentationAndStall(t *testing.T) {
	l, out := runLayout(t, composite.LayoutConfig{
		View: composite.View{Mode: composite.ModeGrid}, Labels: true, PlaceholderAfter: 400 * time.Millisecond,
	})
	cams := []*camera{
		newCamera(t, "p1", media.SourceCamera, 64, 48, 50),
		newCamera(t, "p2", media.SourceCamera, 96, 54, 100),
		newCamera(t, "p3", media.SourceCamera, 48, 64, 150),
		newCamera(t, "p4", media.SourceCamera, 64, 36, 200),
	}
	r := startRoom(t, l, cams...)
	// 2×2 grid of 160×90 cells, in join order; the centres show each camera.
	centres := [][2]int{{80, 45}, {240, 45}, {80, 135}, {240, 135}}
	waitPicture(t, out, "four tiles", func(f *codec.VideoFrame) bool {
		for i, c := range centres {
			if !near(lumaAt(f, c[0], c[1]), cams[i].luma) {
				return false
			}
		}
		return true
	})

	// A stalled camera holds its last frame, then shows its placeholder.
	r.pause(cams[2])
	waitPicture(t, out, "placeholder for a stalled camera", func(f *codec.VideoFrame) bool {
		return !near(lumaAt(f, 80, 135), 150) && !near(lumaAt(f, 20, 100), 150)
	})

	// A screen share takes the stage in the presentation layout, live.
	if err := l.SetView(composite.View{Mode: composite.ModePresentation}); err != nil {
		t.Fatal(err)
	}
	screen := newCamera(t, "p1", media.SourceScreen, 128, 72, 230)
	r.add(screen)
	waitPicture(t, out, "screen on the stage", func(f *codec.VideoFrame) bool {
		return near(lumaAt(f, 120, 90), 230)
	})
	r.remove(screen)
	waitPicture(t, out, "stage back to a camera", func(f *codec.VideoFrame) bool {
		return !near(lumaAt(f, 120, 90), 230)
	})
	if step := out.maxStep(); step > 34*time.Millisecond {
		t.Errorf("output DTS stepped by %s: want one frame interval at most", step)
	}
}

func TestSetViewRejectsBadLayouts(t *testing.T) {
	l, _ := runLayout(t, composite.LayoutConfig{View: composite.View{Mode: composite.ModeGrid}})
	for _, v := range []composite.View{{Mode: "mosaic"}, {Mode: composite.ModeGrid, Fit: "stretch"}, {Mode: composite.ModeSingle}, {Mode: composite.ModeCustom}} {
		if err := l.SetView(v); err == nil {
			t.Errorf("SetView(%+v) accepted", v)
		}
	}
	if got := l.View().Mode; got != composite.ModeGrid {
		t.Errorf("view after refused changes = %q, want grid", got)
	}
}

// dumpFrame writes f as raw I420 into $ROOMCAST_FRAMES_DIR, when set, for
// a person to look at (ffmpeg -f rawvideo -pix_fmt yuv420p -s WxH -i F out.png).
func dumpFrame(t *testing.T, f *codec.VideoFrame, what string) {
	dir := os.Getenv("ROOMCAST_FRAMES_DIR")
	if dir == "" {
		return
	}
	var b []byte
	cw, ch := (f.Width+1)/2, (f.Height+1)/2
	for y := range f.Height {
		b = append(b, f.Y[y*f.StrideY:y*f.StrideY+f.Width]...)
	}
	for _, p := range []struct {
		plane  []byte
		stride int
	}{{f.U, f.StrideU}, {f.V, f.StrideV}} {
		for y := range ch {
			b = append(b, p.plane[y*p.stride:y*p.stride+cw]...)
		}
	}
	name := fmt.Sprintf("%s-%s-%dx%d.yuv", t.Name(), what, f.Width, f.Height)
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Errorf("dump frame: %v", err)
	}
}

// TestRenditions: a 9:16 canvas beside the main one gets its own video
// track at its own size, composed from the same sources, each canvas
// encoded once per slot.
func TestRenditions(t *testing.T) {
	l, out := runLayout(t, composite.LayoutConfig{
		View:     composite.View{Mode: composite.ModeGrid},
		Canvases: []composite.CanvasConfig{{Name: "vertical", Width: 180, Height: 320, View: &composite.View{Mode: composite.ModeSpeaker, Thumbnails: true}}},
	})
	startRoom(t, l, newCamera(t, "p1", media.SourceCamera, 64, 48, 60), newCamera(t, "p2", media.SourceCamera, 64, 48, 180))
	testutil.Eventually(t, 8*time.Second, "both canvases", func() bool {
		c := l.Canvases()
		return len(c) == 2 && c[0].Frames >= 30 && c[1].Frames >= 30
	})
	sizes := map[string][2]int{}
	out.mu.Lock()
	units := append([]*media.Unit(nil), out.units...)
	out.mu.Unlock()
	decoders := map[string]*codec.VideoDecoder{}
	for _, u := range units {
		d := decoders[u.Track.ID]
		if d == nil {
			var err error
			if d, err = codec.NewVideoDecoder(media.CodecH264); err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			decoders[u.Track.ID] = d
		}
		fs, err := d.Decode(u)
		if err != nil {
			t.Fatalf("%s does not decode: %v", u.Track.ID, err)
		}
		for _, f := range fs {
			sizes[u.Track.ID] = [2]int{f.Width, f.Height}
		}
	}
	if sizes["video"] != [2]int{320, 180} || sizes["video@vertical"] != [2]int{180, 320} {
		t.Errorf("decoded sizes %v, want video 320x180 and video@vertical 180x320", sizes)
	}
	c := l.Canvases()
	if d := int64(c[0].Frames) - int64(c[1].Frames); d < -1 || d > 1 {
		t.Errorf("canvases encoded %d and %d frames: want one frame per slot each", c[0].Frames, c[1].Frames)
	}
}

// TestQualityReport: the report counts what happened to each
// participant's video and the canvas's encoding.
func TestQualityReport(t *testing.T) {
	l, _ := runLayout(t, composite.LayoutConfig{View: composite.View{Mode: composite.ModeGrid}})
	steady, jumpy := newCamera(t, "p1", media.SourceCamera, 64, 48, 60), newCamera(t, "p2", media.SourceCamera, 64, 48, 180)
	r := startRoom(t, l, steady, jumpy)
	testutil.Eventually(t, 8*time.Second, "frames shown", func() bool { return l.Canvases()[0].Frames > 30 })
	r.pause(jumpy)
	time.Sleep(600 * time.Millisecond) // a break in p2's input
	r.mu.Lock()
	delete(r.paused, jumpy)
	r.mu.Unlock()
	testutil.Eventually(t, 8*time.Second, "more frames", func() bool { return l.Canvases()[0].Frames > 90 })
	q := l.Quality()
	byID := map[string]composite.ParticipantQuality{}
	for _, p := range q.Participants {
		byID[p.ID] = p
	}
	if p := byID["p1"]; p.FramesShown < 40 || p.VideoGaps != 0 || p.DecodeErrors != 0 || p.Name != "Name p1" {
		t.Errorf("p1: %+v, want 40+ frames shown, no gaps or errors", p)
	}
	if p := byID["p2"]; p.VideoGaps != 1 || p.FramesRepeated < 10 {
		t.Errorf("p2: %+v, want the one break counted and the frame held (repeated) through it", p)
	}
	c := q.Canvases[0]
	if c.Name != composite.MainCanvas || c.FramesEncoded < 90 || c.EncodeP50 <= 0 || c.EncodeP99 < c.EncodeP50 {
		t.Errorf("canvas: %+v, want 90+ frames encoded and encode times", c)
	}
	t.Logf("quality: %+v", q)
}

// TestUndecodableParticipant: a participant whose stream cannot be
// decoded gets its placeholder and is counted; the others and the output
// go on.
func TestUndecodableParticipant(t *testing.T) {
	l, out := runLayout(t, composite.LayoutConfig{View: composite.View{Mode: composite.ModeGrid}})
	good := newCamera(t, "p1", media.SourceCamera, 64, 48, 200)
	startRoom(t, l, good)
	bad := &media.Track{ID: "bad", Kind: media.KindVideo, Codec: media.CodecVP8, ClockRate: 90000, ParticipantID: "p2", ParticipantName: "Broken Cam"}
	l.TrackAdded(bad)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // garbage "keyframes" at 30 fps
		defer close(done)
		tk := time.NewTicker(time.Second / 30)
		defer tk.Stop()
		start := time.Now()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			junk := make([]byte, 200)
			for j := range junk {
				junk[j] = byte(i*31 + j*7)
			}
			l.Unit(&media.Unit{Track: bad, PTS: time.Since(start), DTS: time.Since(start), Key: true, Data: junk})
		}
	}()
	defer func() { close(stop); <-done }()
	// 2×1 grid of 160×180 cells: the good camera left, the broken one's
	// placeholder (a colour, not the canvas black, not the camera) right.
	waitPicture(t, out, "placeholder for an undecodable stream", func(f *codec.VideoFrame) bool {
		right := lumaAt(f, 240, 30)
		return near(lumaAt(f, 80, 90), 200) && right > 30 && !near(right, 200)
	})
	testutil.Eventually(t, 5*time.Second, "decode errors counted", func() bool {
		for _, p := range l.Quality().Participants {
			if p.ID == "p2" && p.DecodeErrors > 10 && p.FramesShown == 0 {
				return true
			}
		}
		return false
	})
}
