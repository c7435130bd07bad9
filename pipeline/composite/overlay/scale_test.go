package overlay

import (
	"image"
	"image/color"
	"testing"
)

func TestScaledSolid(t *testing.T) {
	c := Color{30, 160, 90, 255}
	cy, cu, cv := c.YUV()
	im := FromImage(columnsImage(9, 7, c, 255))
	for _, size := range []image.Point{{9, 7}, {4, 3}, {1, 1}, {20, 16}, {31, 5}, {200, 60}} {
		s := im.Scaled(size.X, size.Y)
		if s.W != size.X || s.H != size.Y {
			t.Fatalf("Scaled(%v) is %d×%d", size, s.W, s.H)
		}
		for i := range s.y {
			if !near(int(s.y[i]), int(cy), 1) || s.a[i] != 255 {
				t.Fatalf("Scaled(%v) pixel %d: y %d a %d, want %d 255", size, i, s.y[i], s.a[i], cy)
			}
		}
		for i := range s.u {
			if !near(int(s.u[i]), int(cu), 1) || !near(int(s.v[i]), int(cv), 1) || s.ca[i] != 255 {
				t.Fatalf("Scaled(%v) chroma %d: %d,%d a %d", size, i, s.u[i], s.v[i], s.ca[i])
			}
		}
	}
}

// TestScaledWeighsByAlpha halves a picture whose every other column is
// transparent: the result is half transparent and of the opaque colour
// alone, not darkened by the transparent pixels.
func TestScaledWeighsByAlpha(t *testing.T) {
	red := Color{255, 0, 0, 255}
	p := image.NewNRGBA(image.Rect(0, 0, 16, 8))
	for y := range 8 {
		for x := range 16 {
			if x%2 == 0 {
				p.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
			}
		}
	}
	s := FromImage(p).Scaled(8, 4)
	ry, ru, rv := red.YUV()
	for i := range s.y {
		if !near(int(s.a[i]), 128, 2) || !near(int(s.y[i]), int(ry), 1) {
			t.Fatalf("pixel %d: y %d a %d, want %d ~128", i, s.y[i], s.a[i], ry)
		}
	}
	if !near(int(s.u[5]), int(ru), 1) || !near(int(s.v[5]), int(rv), 1) {
		t.Errorf("chroma %d,%d, want %d,%d", s.u[5], s.v[5], ru, rv)
	}
}

// TestScaledKeepsTransparency checks that enlarging keeps transparent
// regions transparent away from their edges.
func TestScaledKeepsTransparency(t *testing.T) {
	im := FromImage(columnsImage(4, 4, Color{0, 0, 0, 255}, 0, 0, 255, 255))
	s := im.Scaled(40, 40)
	for y := range 40 {
		if a := s.a[y*40+5]; a != 0 {
			t.Fatalf("row %d, column 5: alpha %d, want 0", y, a)
		}
		if a := s.a[y*40+35]; a != 255 {
			t.Fatalf("row %d, column 35: alpha %d, want 255", y, a)
		}
	}
}

func TestScaledRefuses(t *testing.T) {
	var none *Image
	im := FromImage(columnsImage(4, 4, Color{}, 255))
	for name, got := range map[string]*Image{
		"nil image":   none.Scaled(4, 4),
		"zero width":  im.Scaled(0, 4),
		"negative":    im.Scaled(4, -1),
		"too large":   im.Scaled(maxImageSide+1, 4),
		"zero height": im.Scaled(4, 0),
	} {
		if got != nil {
			t.Errorf("%s: got an image", name)
		}
	}
}
