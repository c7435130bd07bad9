package overlay

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
)

// brightRows returns the first and last row, and the first and last
// column, holding luma over 200 (the white initials), -1s when none.
func brightBox(f *codec.VideoFrame) (x0, y0, x1, y1 int) {
	x0, y0, x1, y1 = f.Width, f.Height, -1, -1
	for y := range f.Height {
		for x := range f.Width {
			if lumaAt(f, x, y) > 200 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	return x0, y0, x1, y1
}

func TestPlaceholder(t *testing.T) {
	tests := []struct {
		w, h int
		name string
	}{
		{320, 180, "Ada Lovelace"},
		{1280, 720, "bob"},
		{180, 320, "Wolfgang Mozart"}, // narrow: the width limits the letters
		{64, 36, ""},
		{100, 100, "山田 太郎"},
		{30, 18, "Grace Hopper"},
	}
	for _, tc := range tests {
		f := Placeholder(tc.w, tc.h, tc.name)
		if err := f.Validate(); err != nil || f.Width != tc.w || f.Height != tc.h {
			t.Fatalf("%q %d×%d: %v, %d×%d", tc.name, tc.w, tc.h, err, f.Width, f.Height)
		}
		by, bu, bv := nameColor(tc.name).YUV()
		for _, c := range [][2]int{{0, 0}, {tc.w - 1, 0}, {0, tc.h - 1}, {tc.w - 1, tc.h - 1}} {
			u, v := chromaAt(f, c[0]/2, c[1]/2)
			if lumaAt(f, c[0], c[1]) != int(by) || u != int(bu) || v != int(bv) {
				t.Errorf("%q %d×%d: corner %v is not the background", tc.name, tc.w, tc.h, c)
			}
		}
		x0, y0, x1, y1 := brightBox(f)
		if x1 < 0 {
			t.Fatalf("%q %d×%d: no initials", tc.name, tc.w, tc.h)
		}
		if cx, cy := (x0+x1)/2, (y0+y1)/2; !near(cx, tc.w/2, tc.w/20+2) || !near(cy, tc.h/2, tc.h/20+2) {
			t.Errorf("%q %d×%d: initials centred on (%d,%d)", tc.name, tc.w, tc.h, cx, cy)
		}
		height, width := y1-y0+1, x1-x0+1
		if float64(height) > 0.42*float64(tc.h)+1 || float64(width) > 0.82*float64(tc.w)+1 {
			t.Errorf("%q %d×%d: initials %d×%d, over 40 %% high or 80 %% wide", tc.name, tc.w, tc.h, width, height)
		}
		if float64(height) < 0.36*float64(tc.h) && float64(width) < 0.76*float64(tc.w) {
			t.Errorf("%q %d×%d: initials only %d×%d", tc.name, tc.w, tc.h, width, height)
		}
	}
}

func TestPlaceholderColour(t *testing.T) {
	if nameColor("Ada Lovelace") != nameColor("Ada Lovelace") {
		t.Fatal("the same name got two colours")
	}
	a, b := Placeholder(64, 36, "Ada Lovelace"), Placeholder(64, 36, "Ada Lovelace")
	if string(a.Y) != string(b.Y) || string(a.U) != string(b.U) || string(a.V) != string(b.V) {
		t.Error("the same name drew two pictures")
	}
	colours := map[Color]bool{}
	for i := range 24 {
		colours[nameColor(fmt.Sprintf("guest %d", i))] = true
	}
	if len(colours) < len(palette)/2 {
		t.Errorf("24 names got only %d colours", len(colours))
	}
}

func TestPlaceholderRefuses(t *testing.T) {
	for _, size := range [][2]int{{0, 10}, {10, 0}, {-2, 10}, {maxImageSide + 2, 10}} {
		if f := Placeholder(size[0], size[1], "x"); f != nil {
			t.Errorf("Placeholder(%d, %d) = a frame, want nil", size[0], size[1])
		}
	}
	for _, size := range [][2]int{{1, 1}, {2, 2}, {4, 2}, {2, 40}, {1, 3}} {
		if f := Placeholder(size[0], size[1], "Ada Lovelace"); f == nil || f.Validate() != nil {
			t.Errorf("Placeholder(%d, %d): %v", size[0], size[1], f)
		}
	}
}

// TestSamples draws a placeholder and labels and, with
// ROOMCAST_OVERLAY_SAMPLES set to a folder, saves them there as PNG.
func TestSamples(t *testing.T) {
	saveSample(t, "placeholder", frameRGBA(Placeholder(640, 360, "Ada Lovelace")))
	saveSample(t, "placeholder-narrow", frameRGBA(Placeholder(180, 320, "Wolfgang Mozart")))
	f := solidFrame(480, 120, Color{40, 90, 160, 255})
	Fill(f, 0, 60, 480, 60, Color{230, 200, 60, 255})
	white := Color{255, 255, 255, 255}
	Text("Ada Lovelace (host)", TextStyle{Size: 24, Color: white, Background: Color{0, 0, 0, 150}, Padding: 8}, 0).Blend(f, 10, 10)
	Text("A name far too long for its little label", TextStyle{Size: 18, Color: white, Bold: true, Padding: 6, Background: Color{200, 30, 30, 255}}, 220).Blend(f, 250, 14)
	Text("Transparent text on stripes", TextStyle{Size: 30, Color: Color{255, 255, 255, 220}}, 0).Blend(f, 11, 70)
	saveSample(t, "labels", frameRGBA(f))
	saveSample(t, "labels-zoom", zoom(frameRGBA(f), image.Rect(0, 0, 160, 90), 5))
	logo := FromImage(softRing(64))
	p := Placeholder(320, 180, "Grace Hopper")
	logo.Scaled(24, 24).Blend(p, 8, 8)
	logo.Blend(p, 40, 8)
	logo.Scaled(150, 150).Blend(p, 200, 60)
	saveSample(t, "logos", zoom(frameRGBA(p), image.Rect(0, 0, p.Width, p.Height), 2))
}

// softRing returns an n×n orange ring with soft edges and a translucent
// blue middle, a logo to look at.
func softRing(n int) *image.NRGBA {
	p := image.NewNRGBA(image.Rect(0, 0, n, n))
	c := float64(n) / 2
	for y := range n {
		for x := range n {
			d := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c) / c // 0 centre, 1 edge
			ring := max(0, 1-math.Abs(d-0.75)*8)
			switch {
			case ring > 0:
				p.SetNRGBA(x, y, color.NRGBA{240, 140, 20, uint8(255 * min(1, ring*2))})
			case d < 0.6:
				p.SetNRGBA(x, y, color.NRGBA{40, 120, 255, 100})
			}
		}
	}
	return p
}
