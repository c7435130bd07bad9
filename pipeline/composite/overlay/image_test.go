package overlay

import (
	"image"
	"image/color"
	"image/draw"
	"reflect"
	"testing"
)

// testPicture is a 5×3 NRGBA picture with opaque, partial and
// transparent pixels of several colours.
func testPicture() *image.NRGBA {
	p := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	cols := []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 128}, {255, 255, 255, 0}, {40, 80, 120, 255}}
	for y := range 3 {
		for x := range 5 {
			p.SetNRGBA(x, y, cols[(x+y)%len(cols)])
		}
	}
	return p
}

// sameKinds returns testPicture as other image types: premultiplied,
// paletted, and a sub-image not at the origin.
func sameKinds() map[string]image.Image {
	src := testPicture()
	rgba := image.NewRGBA(src.Rect)
	draw.Draw(rgba, rgba.Rect, src, image.Point{}, draw.Src)
	pal := image.NewPaletted(src.Rect, color.Palette{
		color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}, color.NRGBA{0, 0, 255, 128},
		color.NRGBA{255, 255, 255, 0}, color.NRGBA{40, 80, 120, 255},
	})
	draw.Draw(pal, pal.Rect, src, image.Point{}, draw.Src)
	big := image.NewRGBA(image.Rect(-3, -2, 9, 8))
	draw.Draw(big, image.Rect(1, 2, 6, 5), src, image.Point{}, draw.Src)
	return map[string]image.Image{
		"rgba": rgba, "paletted": pal, "sub-image": big.SubImage(image.Rect(1, 2, 6, 5)),
	}
}

func TestFromImageKinds(t *testing.T) {
	want := FromImage(testPicture())
	if want.W != 5 || want.H != 3 {
		t.Fatalf("size %d×%d, want 5×3", want.W, want.H)
	}
	for name, img := range sameKinds() {
		got := FromImage(img)
		if got.W != want.W || got.H != want.H {
			t.Fatalf("%s: size %d×%d", name, got.W, got.H)
		}
		for i := range want.a {
			if !near(int(got.a[i]), int(want.a[i]), 1) || (want.a[i] != 0 && !near(int(got.y[i]), int(want.y[i]), 1)) {
				t.Errorf("%s: pixel %d = y %d a %d, want y %d a %d", name, i, got.y[i], got.a[i], want.y[i], want.a[i])
			}
		}
	}
}

func TestFromImageValues(t *testing.T) {
	im := FromImage(testPicture())
	ry, _, _ := Color{255, 0, 0, 255}.YUV()
	if im.y[0] != ry || im.a[0] != 255 {
		t.Errorf("red pixel: y %d a %d, want %d 255", im.y[0], im.a[0], ry)
	}
	by, _, _ := Color{0, 0, 255, 255}.YUV()
	if !near(int(im.y[2]), int(by), 1) || im.a[2] != 128 {
		t.Errorf("half blue pixel: y %d a %d, want %d 128", im.y[2], im.a[2], by)
	}
	if im.a[3] != 0 {
		t.Errorf("transparent pixel has alpha %d", im.a[3])
	}
	// Chroma sample (1,0) covers a half blue, a transparent, a transparent
	// and a 40,80,120 pixel: the transparent ones lend no colour.
	if got, want := len(im.ca), 3*2; got != want {
		t.Fatalf("%d chroma samples, want %d", got, want)
	}
	if want := (128 + 0 + 0 + 255 + 2) / 4; !near(int(im.ca[1]), want, 1) {
		t.Errorf("chroma alpha %d, want %d", im.ca[1], want)
	}
}

func TestFromImageRefuses(t *testing.T) {
	for name, img := range map[string]image.Image{
		"nil":      nil,
		"empty":    image.NewRGBA(image.Rect(3, 3, 3, 9)),
		"too wide": image.NewUniform(color.White), // bounds of a huge size
	} {
		if im := FromImage(img); im != nil {
			t.Errorf("%s: got a %d×%d image, want nil", name, im.W, im.H)
		}
	}
}

func TestFindRuns(t *testing.T) {
	a := []byte{
		0, 0, 255, 255, 10, 20, 0, 255,
		0, 0, 0, 0, 0, 0, 0, 0,
		1, 255, 1, 255, 255, 255, 255, 254,
	}
	rs := findRuns(a, 8, 3)
	want := [][]run{
		{{2, 4, true}, {4, 6, false}, {7, 8, true}},
		{},
		{{0, 1, false}, {1, 2, true}, {2, 3, false}, {3, 7, true}, {7, 8, false}},
	}
	for y, w := range want {
		if got := rs.row(y); !reflect.DeepEqual(append([]run{}, got...), w) {
			t.Errorf("row %d runs %v, want %v", y, got, w)
		}
	}
}
