package codec

import (
	"errors"
	"testing"
	"time"
)

func TestFitGeometry(t *testing.T) {
	for _, tc := range []struct {
		name           string
		sw, sh, dw, dh int
		fit            Fit
		want           scaleGeometry
	}{
		{"same aspect", 1280, 720, 640, 360, FitContain, scaleGeometry{0, 0, 1280, 720, 0, 0, 640, 360}},
		{"pillarbox", 320, 240, 640, 360, FitContain, scaleGeometry{0, 0, 320, 240, 80, 0, 480, 360}},
		{"letterbox", 640, 240, 640, 360, FitContain, scaleGeometry{0, 0, 640, 240, 0, 60, 640, 240}},
		{"portrait phone", 360, 640, 1280, 720, FitContain, scaleGeometry{0, 0, 360, 640, 436, 0, 406, 720}},
		{"odd source", 321, 241, 640, 360, FitContain, scaleGeometry{0, 0, 321, 241, 80, 0, 480, 360}},
		{"tiny source", 1, 1, 640, 360, FitContain, scaleGeometry{0, 0, 1, 1, 140, 0, 360, 360}},
		{"extreme aspect", 8192, 2, 640, 360, FitContain, scaleGeometry{0, 0, 8192, 2, 0, 178, 640, 2}},
		{"cover crops sides", 320, 240, 640, 360, FitCover, scaleGeometry{0, 30, 320, 180, 0, 0, 640, 360}},
		{"cover crops top", 360, 640, 640, 360, FitCover, scaleGeometry{0, 218, 360, 202, 0, 0, 640, 360}},
		{"stretch", 320, 240, 640, 360, FitStretch, scaleGeometry{0, 0, 320, 240, 0, 0, 640, 360}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := fitGeometry(tc.sw, tc.sh, tc.dw, tc.dh, tc.fit)
			if g != tc.want {
				t.Fatalf("fitGeometry = %+v, want %+v", g, tc.want)
			}
			if g.srcX+g.srcW > tc.sw || g.srcY+g.srcH > tc.sh || g.dstX+g.dstW > tc.dw || g.dstY+g.dstH > tc.dh ||
				g.srcX%2 != 0 || g.srcY%2 != 0 || g.dstX%2 != 0 || g.dstY%2 != 0 {
				t.Fatalf("region out of bounds or odd: %+v", g)
			}
		})
	}
}

func TestScaler(t *testing.T) {
	for _, fit := range []Fit{FitContain, FitCover, FitStretch} {
		sc, err := NewScaler(64, 36, fit)
		if err != nil {
			t.Fatal(err)
		}
		// Sizes change from frame to frame, odd ones included.
		for i, size := range [][2]int{{64, 36}, {320, 240}, {321, 241}, {1, 1}, {320, 240}, {36, 64}} {
			src := syntheticFrame(size[0], size[1], i, time.Duration(i))
			out, err := sc.Scale(src)
			if err != nil {
				t.Fatalf("fit %d, %dx%d: %v", fit, size[0], size[1], err)
			}
			if err := out.Validate(); err != nil || out.Width != 64 || out.Height != 36 || out.PTS != src.PTS {
				t.Fatalf("fit %d, %dx%d: got %dx%d at %s: %v", fit, size[0], size[1], out.Width, out.Height, out.PTS, err)
			}
		}
		sc.Close()
		sc.Close()
		if _, err := sc.Scale(syntheticFrame(64, 36, 0, 0)); !errors.Is(err, ErrClosed) {
			t.Errorf("after Close: %v, want ErrClosed", err)
		}
	}
	for _, size := range [][2]int{{0, 360}, {641, 360}, {640, -2}} {
		if _, err := NewScaler(size[0], size[1], FitContain); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewScaler(%v): %v, want ErrInvalidConfig", size, err)
		}
	}
	if _, err := NewScaler(640, 360, Fit(9)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewScaler fit 9: %v, want ErrInvalidConfig", err)
	}
}

func TestScalerStridedInput(t *testing.T) {
	// A frame with padded strides (as a compositor's canvas might have)
	// scales like a tight one.
	tight := syntheticFrame(100, 50, 3, 0)
	padded := &VideoFrame{Width: 100, Height: 50, StrideY: 128, StrideU: 64, StrideV: 64,
		Y: make([]byte, 128*50), U: make([]byte, 64*25), V: make([]byte, 64*25)}
	copyPlane(padded.Y, 128, tight.Y, 100, 100, 50)
	copyPlane(padded.U, 64, tight.U, 50, 50, 25)
	copyPlane(padded.V, 64, tight.V, 50, 50, 25)
	sc, err := NewScaler(200, 100, FitStretch)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	a, err := sc.Scale(tight)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sc.Scale(padded)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Y) != string(b.Y) || string(a.U) != string(b.U) {
		t.Error("padded and tight frames scale differently")
	}
}

func TestScaleInto(t *testing.T) {
	canvas := NewVideoFrame(128, 72)
	fill(canvas.Y, 200) // the caller's background
	sc, err := NewScaler(64, 36, FitContain)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	src := syntheticFrame(36, 36, 1, 0) // square: pillarboxed in a 64×36 box
	if err := sc.ScaleInto(canvas, 64, 36, src); err != nil {
		t.Fatal(err)
	}
	// The box's bars and everything outside the box keep the background;
	// the picture lands in the middle of the box.
	for _, p := range [][2]int{{0, 0}, {63, 71}, {65, 40}, {127, 71}} {
		if v := canvas.Y[p[1]*canvas.StrideY+p[0]]; v != 200 {
			t.Errorf("pixel %v = %d, want the background 200", p, v)
		}
	}
	if v := canvas.Y[54*canvas.StrideY+96]; v == 200 {
		t.Errorf("box centre kept the background: nothing drawn")
	}
	for _, bad := range [][2]int{{65, 36}, {66, 38}, {-2, 0}, {0, 40}} {
		if err := sc.ScaleInto(canvas, bad[0], bad[1], src); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("box at %v: %v, want ErrInvalidInput", bad, err)
		}
	}
	n := testing.AllocsPerRun(20, func() {
		if err := sc.ScaleInto(canvas, 0, 0, src); err != nil {
			t.Fatal(err)
		}
	})
	if n > 0 {
		t.Errorf("ScaleInto allocates %.0f times per call, want 0", n)
	}
}
