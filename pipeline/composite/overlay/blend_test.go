package overlay

import (
	"image"
	"image/color"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
)

// columnsImage returns a w×h picture of c whose column x has the alpha
// alphas[x] (the last one repeated past the end of alphas).
func columnsImage(w, h int, c Color, alphas ...uint8) *image.NRGBA {
	p := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := alphas[min(x, len(alphas)-1)]
			p.SetNRGBA(x, y, color.NRGBA{R: c.R, G: c.G, B: c.B, A: a})
		}
	}
	return p
}

func TestBlendAlpha(t *testing.T) {
	red := Color{255, 0, 0, 255}
	grey := Color{128, 128, 128, 255}
	ry, ru, rv := red.YUV()
	gy, gu, gv := grey.YUV()
	// Columns: transparent, transparent, half, half, opaque…
	im := FromImage(columnsImage(8, 4, red, 0, 0, 128, 128, 255))
	f := solidFrame(16, 8, grey)
	im.Blend(f, 4, 2)
	tests := []struct {
		name   string
		x      int // frame column, on rows 2–5
		y      int // want luma
		u, v   int // want chroma of the sample holding x
		lumTol int
	}{
		{"left of the image", 3, int(gy), int(gu), int(gv), 0},
		{"transparent", 5, int(gy), int(gu), int(gv), 0},
		{"half", 6, (int(ry) + int(gy)) / 2, (int(ru) + int(gu)) / 2, (int(rv) + int(gv)) / 2, 2},
		{"opaque", 9, int(ry), int(ru), int(rv), 0},
		{"opaque last", 11, int(ry), int(ru), int(rv), 0},
		{"right of the image", 12, int(gy), int(gu), int(gv), 0},
	}
	for _, tc := range tests {
		for y := 2; y < 6; y++ {
			if got := lumaAt(f, tc.x, y); !near(got, tc.y, tc.lumTol) {
				t.Errorf("%s: luma (%d,%d) = %d, want %d", tc.name, tc.x, y, got, tc.y)
			}
		}
		if u, v := chromaAt(f, tc.x/2, 1); !near(u, tc.u, 2) || !near(v, tc.v, 2) {
			t.Errorf("%s: chroma (%d,1) = %d,%d, want %d,%d", tc.name, tc.x/2, u, v, tc.u, tc.v)
		}
	}
	for _, y := range []int{0, 1, 6, 7} {
		for x := range 16 {
			if got := lumaAt(f, x, y); got != int(gy) {
				t.Fatalf("luma (%d,%d) above or below the image = %d, want %d", x, y, got, gy)
			}
		}
	}
}

// TestBlendClip places an image at every edge and beyond, checking each
// luma pixel against a reference and that nothing is written outside.
func TestBlendClip(t *testing.T) {
	const fw, fh = 12, 10
	blue := Color{0, 0, 255, 255}
	im := FromImage(columnsImage(7, 5, blue, 0, 100, 255, 255, 200, 255, 255))
	positions := []image.Point{
		{0, 0}, {2, 2}, {3, 1}, {-1, -1}, {-2, -4}, {-6, 2}, {-7, 0}, {-100, -100},
		{fw - 7, fh - 5}, {fw - 3, fh - 2}, {fw - 1, fh - 1}, {fw, 0}, {0, fh}, {fw + 5, fh + 5},
		{-3, fh - 2}, {fw - 2, -3}, {1 << 40, -1 << 40},
	}
	for _, pos := range positions {
		f := paddedFrame(fw, fh, 2)
		before := frameCopy(f)
		im.Blend(f, pos.X, pos.Y)
		if !paddingIntact(f) {
			t.Errorf("at %v: wrote past the end of a row", pos)
		}
		for y := range fh {
			for x := range fw {
				want := lumaAt(before, x, y)
				if ix, iy := x-pos.X, y-pos.Y; ix >= 0 && iy >= 0 && ix < im.W && iy < im.H {
					want = int(mix(im.y[iy*im.W+ix], byte(want), int(im.a[iy*im.W+ix])))
				}
				if got := lumaAt(f, x, y); got != want {
					t.Fatalf("at %v: luma (%d,%d) = %d, want %d", pos, x, y, got, want)
				}
			}
		}
		checkChromaOutside(t, f, before, pos, im)
	}
}

// checkChromaOutside checks that the chroma samples the image does not
// reach at pos (its chroma lands at pos halved, rounded down) kept their
// value.
func checkChromaOutside(t *testing.T, f, before *codec.VideoFrame, pos image.Point, im *Image) {
	t.Helper()
	foot := image.Rect(pos.X>>1, pos.Y>>1, pos.X>>1+(im.W+1)/2, pos.Y>>1+(im.H+1)/2)
	for cy := range (f.Height + 1) / 2 {
		for cx := range (f.Width + 1) / 2 {
			if image.Pt(cx, cy).In(foot) {
				continue
			}
			u, v := chromaAt(f, cx, cy)
			bu, bv := chromaAt(before, cx, cy)
			if u != bu || v != bv {
				t.Fatalf("at %v: chroma (%d,%d) outside the image changed", pos, cx, cy)
			}
		}
	}
}

// frameCopy returns a deep copy of f.
func frameCopy(f *codec.VideoFrame) *codec.VideoFrame {
	c := *f
	c.Y, c.U, c.V = append([]byte(nil), f.Y...), append([]byte(nil), f.U...), append([]byte(nil), f.V...)
	return &c
}

func TestBlendNil(t *testing.T) {
	var im *Image
	im.Blend(codec.NewVideoFrame(4, 4), 0, 0)
	FromImage(columnsImage(2, 2, Color{}, 255)).Blend(nil, 0, 0)
}

func TestBlendAllocates(t *testing.T) {
	im := FromImage(columnsImage(40, 20, Color{10, 200, 30, 255}, 0, 90, 255, 255, 30))
	f := codec.NewVideoFrame(64, 48)
	if n := testing.AllocsPerRun(50, func() { im.Blend(f, 3, 5) }); n != 0 {
		t.Errorf("Blend allocates %v times a call", n)
	}
}
