package overlay

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
)

// frameRGBA converts a frame (BT.601 limited range) to RGB for looking at.
func frameRGBA(f *codec.VideoFrame) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for y := range f.Height {
		for x := range f.Width {
			yy := float64(f.Y[y*f.StrideY+x]) - 16
			u := float64(f.U[y/2*f.StrideU+x/2]) - 128
			v := float64(f.V[y/2*f.StrideV+x/2]) - 128
			out.SetRGBA(x, y, color.RGBA{
				R: clampByte(1.164*yy + 1.596*v),
				G: clampByte(1.164*yy - 0.392*u - 0.813*v),
				B: clampByte(1.164*yy + 2.017*u),
				A: 255,
			})
		}
	}
	return out
}

// clampByte rounds f into 0–255.
func clampByte(f float64) uint8 {
	return uint8(max(0, min(255, f+0.5)))
}

// saveSample writes img as name.png into the folder that
// ROOMCAST_OVERLAY_SAMPLES names, for a person to look at; nothing when
// it is unset.
func saveSample(t *testing.T, name string, img image.Image) {
	t.Helper()
	dir := os.Getenv("ROOMCAST_OVERLAY_SAMPLES")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// zoom returns the part r of img enlarged k times, pixels as squares.
func zoom(img image.Image, r image.Rectangle, k int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx()*k, r.Dy()*k))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			out.Set(x, y, img.At(r.Min.X+x/k, r.Min.Y+y/k))
		}
	}
	return out
}

// solidFrame returns a w×h frame filled with c.
func solidFrame(w, h int, c Color) *codec.VideoFrame {
	f := codec.NewVideoFrame(w, h)
	Fill(f, 0, 0, w, h, c)
	return f
}

// lumaAt and chromaAt read one sample of a frame.
func lumaAt(f *codec.VideoFrame, x, y int) int { return int(f.Y[y*f.StrideY+x]) }

// chromaAt returns the U and V of chroma sample (cx, cy).
func chromaAt(f *codec.VideoFrame, cx, cy int) (u, v int) {
	return int(f.U[cy*f.StrideU+cx]), int(f.V[cy*f.StrideV+cx])
}

// near reports whether a and b differ by at most tol.
func near(a, b, tol int) bool { return a-b <= tol && b-a <= tol }

// paddedFrame returns a black w×h frame whose rows are pad bytes longer
// than the picture, the padding set to 0xEE to see writes past a row.
func paddedFrame(w, h, pad int) *codec.VideoFrame {
	cw, ch := (w+1)/2, (h+1)/2
	f := &codec.VideoFrame{
		Width: w, Height: h,
		Y: make([]byte, (w+pad)*h), U: make([]byte, (cw+pad)*ch), V: make([]byte, (cw+pad)*ch),
		StrideY: w + pad, StrideU: cw + pad, StrideV: cw + pad,
	}
	for _, p := range []struct {
		b             []byte
		stride, width int
		val           byte
	}{{f.Y, f.StrideY, w, 16}, {f.U, f.StrideU, cw, 128}, {f.V, f.StrideV, cw, 128}} {
		for i := range p.b {
			p.b[i] = 0xEE
			if i%p.stride < p.width {
				p.b[i] = p.val
			}
		}
	}
	return f
}

// paddingIntact reports whether the padding of a paddedFrame is untouched.
func paddingIntact(f *codec.VideoFrame) bool {
	cw := (f.Width + 1) / 2
	for _, p := range []struct {
		b             []byte
		stride, width int
	}{{f.Y, f.StrideY, f.Width}, {f.U, f.StrideU, cw}, {f.V, f.StrideV, cw}} {
		for i, b := range p.b {
			if i%p.stride >= p.width && b != 0xEE {
				return false
			}
		}
	}
	return true
}
