package overlay

import (
	"image"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
)

func TestFill(t *testing.T) {
	red := Color{255, 0, 0, 255}
	tests := []struct {
		name       string
		fw, fh     int // frame
		x, y, w, h int
	}{
		{"even rect", 10, 8, 2, 2, 4, 4},
		{"odd position", 10, 8, 1, 3, 4, 4},
		{"odd size", 10, 8, 2, 2, 3, 5},
		{"odd both", 10, 8, 1, 1, 3, 3},
		{"one pixel", 10, 8, 5, 5, 1, 1},
		{"one column", 10, 8, 3, 0, 1, 8},
		{"whole frame", 10, 8, 0, 0, 10, 8},
		{"clipped top left", 10, 8, -3, -1, 6, 4},
		{"clipped bottom right", 10, 8, 7, 5, 10, 10},
		{"larger than frame", 10, 8, -5, -5, 30, 30},
		{"odd frame to its edge", 9, 7, 3, 3, 6, 4},
		{"odd frame whole", 9, 7, 0, 0, 9, 7},
		{"odd frame last pixel", 9, 7, 8, 6, 1, 1},
		{"outside", 10, 8, 10, 0, 4, 4},
		{"outside negative", 10, 8, -4, -4, 4, 4},
		{"empty", 10, 8, 2, 2, 0, 3},
		{"negative size", 10, 8, 6, 6, -3, -3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := paddedFrame(tc.fw, tc.fh, 3)
			Fill(f, tc.x, tc.y, tc.w, tc.h, red)
			checkFill(t, f, tc.x, tc.y, tc.w, tc.h, red)
			if !paddingIntact(f) {
				t.Error("Fill wrote past the end of a row")
			}
		})
	}
}

// checkFill compares a black frame filled with c in (x, y, w, h) to the
// reference: luma exact, each chroma sample grey mixed with c by the share
// of its luma pixels in the rectangle (±1).
func checkFill(t *testing.T, f *codec.VideoFrame, x, y, w, h int, c Color) {
	t.Helper()
	r := image.Rect(x, y, x+max(w, 0), y+max(h, 0))
	cy, cu, cv := c.YUV()
	for py := range f.Height {
		for px := range f.Width {
			want := 16
			if image.Pt(px, py).In(r) {
				want = int(cy)
			}
			if got := lumaAt(f, px, py); got != want {
				t.Fatalf("luma (%d,%d) = %d, want %d", px, py, got, want)
			}
		}
	}
	for qy := range (f.Height + 1) / 2 {
		for qx := range (f.Width + 1) / 2 {
			n, tot := 0, 0
			for py := 2 * qy; py < min(2*qy+2, f.Height); py++ {
				for px := 2 * qx; px < min(2*qx+2, f.Width); px++ {
					tot++
					if image.Pt(px, py).In(r) {
						n++
					}
				}
			}
			wantU := 128 + (int(cu)-128)*n/tot
			wantV := 128 + (int(cv)-128)*n/tot
			u, v := chromaAt(f, qx, qy)
			if !near(u, wantU, 1) || !near(v, wantV, 1) {
				t.Fatalf("chroma (%d,%d) = %d,%d, want %d,%d (%d of %d luma covered)", qx, qy, u, v, wantU, wantV, n, tot)
			}
		}
	}
}

func TestFillNilFrame(t *testing.T) {
	Fill(nil, 0, 0, 4, 4, Color{}) // must not panic
}
