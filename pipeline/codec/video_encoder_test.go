package codec

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// syntheticFrame is a small frame whose picture changes with i.
func syntheticFrame(w, h, i int, pts time.Duration) *VideoFrame {
	f := NewVideoFrame(w, h)
	f.PTS = pts
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f.Y[y*f.StrideY+x] = byte(16 + (x+y+4*i)%200)
		}
	}
	return f
}

// encodeAt encodes one synthetic frame per PTS, calling before(i) first,
// and returns the units with the encoder's flush.
func encodeAt(t *testing.T, enc *VideoEncoder, pts []time.Duration, before func(i int)) []*media.Unit {
	t.Helper()
	var out []*media.Unit
	for i, p := range pts {
		if before != nil {
			before(i)
		}
		units, err := enc.Encode(syntheticFrame(320, 180, i, p))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, units...)
	}
	rest, err := enc.Flush()
	if err != nil {
		t.Fatal(err)
	}
	return append(out, rest...)
}

// ptsEvery returns n timestamps step apart.
func ptsEvery(n int, step time.Duration) []time.Duration {
	pts := make([]time.Duration, n)
	for i := range pts {
		pts[i] = time.Duration(i) * step
	}
	return pts
}

func keyPTS(units []*media.Unit) []time.Duration {
	var keys []time.Duration
	for _, u := range units {
		if u.Key {
			keys = append(keys, u.PTS)
		}
	}
	return keys
}

func newTestEncoder(t *testing.T, cfg VideoEncoderConfig) *VideoEncoder {
	t.Helper()
	cfg.Width, cfg.Height, cfg.FPS, cfg.BitrateKbps = 320, 180, 30, 500
	enc, err := NewVideoEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(enc.Close)
	return enc
}

func TestVideoEncoderKeyframes(t *testing.T) {
	frame := time.Second / 30
	t.Run("requested", func(t *testing.T) {
		// A requested IDR restarts the count: the next comes a whole
		// interval after it.
		enc := newTestEncoder(t, VideoEncoderConfig{KeyframeInterval: time.Second})
		out := encodeAt(t, enc, ptsEvery(100, frame), func(i int) {
			if i == 10 {
				enc.RequestKeyframe()
			}
		})
		want := []time.Duration{0, 10 * frame, 40 * frame, 70 * frame}
		if got := keyPTS(out); !slices.Equal(got, want) {
			t.Errorf("keyframes at %v, want %v", got, want)
		}
		for _, u := range out {
			if types := nalTypes(u.Data); u.Key && !(slices.Contains(types, h264.NALUTypeSPS) && slices.Contains(types, h264.NALUTypePPS)) {
				t.Errorf("keyframe at %s: NAL types %v, want SPS and PPS", u.PTS, types)
			}
		}
	})
	t.Run("dropped frames", func(t *testing.T) {
		// Frames at 15 fps into a 30 fps encoder: counting frames alone
		// would space keyframes 2 s apart.
		enc := newTestEncoder(t, VideoEncoderConfig{KeyframeInterval: time.Second})
		out := encodeAt(t, enc, ptsEvery(60, 2*frame), nil)
		want := []time.Duration{0, 30 * frame, 60 * frame, 90 * frame}
		if got := keyPTS(out); !slices.Equal(got, want) {
			t.Errorf("keyframes at %v, want %v", got, want)
		}
	})
	t.Run("concurrent requests", func(t *testing.T) {
		enc := newTestEncoder(t, VideoEncoderConfig{})
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					enc.RequestKeyframe()
					runtime.Gosched()
				}
			}
		}()
		out := encodeAt(t, enc, ptsEvery(30, frame), nil)
		close(stop)
		wg.Wait()
		if len(out) != 30 || len(keyPTS(out)) < 2 {
			t.Errorf("%d units, %d keyframes", len(out), len(keyPTS(out)))
		}
	})
}

func TestVideoEncoderBFrames(t *testing.T) {
	enc := newTestEncoder(t, VideoEncoderConfig{BFrames: 2})
	pts := ptsEvery(60, time.Second/30)
	out := encodeAt(t, enc, pts, nil)
	if len(out) != len(pts) {
		t.Fatalf("%d units for %d frames", len(out), len(pts))
	}
	var got []time.Duration
	reordered := false
	for i, u := range out {
		got = append(got, u.PTS)
		reordered = reordered || u.DTS != u.PTS
		if u.DTS > u.PTS || (i > 0 && u.DTS <= out[i-1].DTS) {
			t.Errorf("unit %d: DTS %s PTS %s, previous DTS %s", i, u.DTS, u.PTS, out[max(0, i-1)].DTS)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, pts) || !reordered {
		t.Errorf("PTS %v (reordered %v), want %v", got, reordered, pts)
	}
}

func TestVideoEncoderRejects(t *testing.T) {
	enc := newTestEncoder(t, VideoEncoderConfig{})
	if _, err := enc.Encode(syntheticFrame(320, 180, 0, time.Second)); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*VideoFrame{
		"nil":            nil,
		"wrong size":     syntheticFrame(640, 360, 1, 2*time.Second),
		"same PTS":       syntheticFrame(320, 180, 1, time.Second),
		"earlier PTS":    syntheticFrame(320, 180, 1, 0),
		"short planes":   {Width: 320, Height: 180, PTS: 3 * time.Second, Y: make([]byte, 10), StrideY: 320},
		"negative size":  {Width: -2, Height: 180},
		"stride < width": {Width: 320, Height: 180, Y: make([]byte, 320*180), U: make([]byte, 160*90), V: make([]byte, 160*90), StrideY: 100, StrideU: 160, StrideV: 160},
	} {
		if _, err := enc.Encode(f); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	enc.Close()
	enc.Close()
	if _, err := enc.Encode(syntheticFrame(320, 180, 2, 4*time.Second)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

func TestVideoEncoderConfigValidate(t *testing.T) {
	ok := VideoEncoderConfig{Width: 1280, Height: 720, FPS: 30, BitrateKbps: 3000}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*VideoEncoderConfig){
		"odd width":     func(c *VideoEncoderConfig) { c.Width = 1279 },
		"zero height":   func(c *VideoEncoderConfig) { c.Height = 0 },
		"zero fps":      func(c *VideoEncoderConfig) { c.FPS = 0 },
		"zero bitrate":  func(c *VideoEncoderConfig) { c.BitrateKbps = 0 },
		"tiny interval": func(c *VideoEncoderConfig) { c.KeyframeInterval = time.Millisecond },
		"bframes":       func(c *VideoEncoderConfig) { c.BFrames = -1 },
		"preset":        func(c *VideoEncoderConfig) { c.Preset = "warp" },
	} {
		c := ok
		mod(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
		if _, err := NewVideoEncoder(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: NewVideoEncoder: %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestCloseWhileEncoding(t *testing.T) {
	// Close from another goroutine (a job shutting down) never frees C
	// memory under a running Encode: the call either finishes or sees
	// ErrClosed.
	enc := newTestEncoder(t, VideoEncoderConfig{})
	aenc, err := NewAudioEncoder(AudioEncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var running sync.WaitGroup // each encoder has encoded a few frames
	wg.Add(2)
	running.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			if i == 5 {
				running.Done()
			}
			if _, err := enc.Encode(syntheticFrame(320, 180, i, time.Duration(i)*time.Millisecond)); err != nil {
				if !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			if i == 5 {
				running.Done()
			}
			f := &AudioFrame{PTS: time.Duration(i) * 10 * time.Millisecond, SampleRate: SampleRate, Channels: Channels, Samples: make([]float32, 960)}
			if _, err := aenc.Encode(f); err != nil {
				if !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
				return
			}
		}
	}()
	running.Wait()
	enc.Close()
	aenc.Close()
	wg.Wait()
}
