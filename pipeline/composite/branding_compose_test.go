package composite_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/composite/style"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
	"github.com/roomcast/roomcast/pipeline/media"
)

// pngOf returns the PNG file of a w×h picture of one colour, decoded
// back as a logo upload is.
func pngOf(t *testing.T, w, h int, c color.NRGBA) image.Image {
	t.Helper()
	p := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(p.Pix); i += 4 {
		p.Pix[i], p.Pix[i+1], p.Pix[i+2], p.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, p); err != nil {
		t.Fatal(err)
	}
	img, err := style.DecodeLogo(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// redBox returns the bounding box of the reddish pixels of f (BT.601 red
// is Y 81, U 90, V 240) within r.
func redBox(f *codec.VideoFrame, r image.Rectangle) image.Rectangle {
	var box image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			u, v := f.U[y/2*f.StrideU+x/2], f.V[y/2*f.StrideV+x/2]
			if ly := f.Y[y*f.StrideY+x]; v > 200 && u < 120 && ly > 50 && ly < 120 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

// TestBrandedOutput: a red PNG logo top right, a title bar "Roomcast
// Live" at the top and a green background picture on an encoded 320×180
// picture of two tiles, checked in the decoded output; they stay while
// the tiles under them are redrawn with new content.
func TestBrandedOutput(t *testing.T) {
	l, out := runLayout(t, composite.LayoutConfig{
		View: composite.View{Mode: composite.ModeCustom, Regions: []tile.Region{
			{X: 0, Y: 0, W: 0.5, H: 0.7, Source: "p1", Fit: tile.FitCover},
			{X: 0.5, Y: 0, W: 0.5, H: 0.7, Source: "p2", Fit: tile.FitCover},
		}},
		Labels: true,
		Branding: &composite.Branding{
			Background: pngOf(t, 64, 36, color.NRGBA{0, 255, 0, 255}),
			Logo:       &composite.Logo{Image: pngOf(t, 64, 64, color.NRGBA{255, 0, 0, 255}), Margin: 12},
			Title:      &composite.Title{Text: "Roomcast Live", Position: composite.TitleTop},
		},
	})
	cams := []*camera{
		newCamera(t, "p1", media.SourceCamera, 64, 48, 200),
		newCamera(t, "p2", media.SourceCamera, 64, 48, 120),
	}
	r := startRoom(t, l, cams...)
	// p1 is 160×126 at the left, p2 at the right; green shows below.
	check := func(f *codec.VideoFrame, p1 byte) bool {
		// The title bar, black at 70 % (#000000b3), darkens the top of the
		// tiles (at its left end, no text) but not their middles.
		bar, mid := lumaAt(f, 4, 4), lumaAt(f, 100, 60)
		if !near(mid, p1) || !near(bar, byte((16*179+int(p1)*76+127)/255)) {
			return false
		}
		// The background picture: BT.601 green is Y 145, U 54, V 34.
		y, u, v := lumaAt(f, 160, 160), f.U[80*f.StrideU+80], f.V[80*f.StrideV+80]
		if !near(y, 145) || !near(u, 54) || !near(v, 34) {
			return false
		}
		// The logo: 0.12 of 320 = 38 px square, 12 px from the right edge,
		// below the bar, over p2.
		box := redBox(f, image.Rect(160, 0, 320, 126))
		return box.Dx() >= 36 && box.Dx() <= 40 && box.Dy() >= 36 && box.Dy() <= 40 &&
			box.Max.X >= 305 && box.Max.X <= 310 && box.Min.Y > 14 && box.Min.Y < 60
	}
	f := waitPicture(t, out, "branded", func(f *codec.VideoFrame) bool { return check(f, 200) })
	t.Logf("title bar %d over p1 %d; logo at %v", lumaAt(f, 4, 4), lumaAt(f, 100, 60), redBox(f, image.Rect(160, 0, 320, 126)))

	// New content in both tiles: they are redrawn every frame, and the
	// overlays with them.
	r.mu.Lock()
	cams[0].luma, cams[1].luma = 90, 220
	r.mu.Unlock()
	waitPicture(t, out, "branded-after-redraws", func(f *codec.VideoFrame) bool {
		return near(lumaAt(f, 250, 100), 220) && check(f, 90)
	})
}
