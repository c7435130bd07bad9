package overlay

import (
	"image"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// lineBox returns, in whole pixels around the origin of the baseline,
// the box of s set in face: its advance across and the face's ascent to
// descent, grown to hold any ink that reaches past them.
func lineBox(face font.Face, s string) image.Rectangle {
	ink, advance := font.BoundString(face, s)
	m := face.Metrics()
	box := image.Rect(0, -m.Ascent.Ceil(), advance.Ceil(), m.Descent.Ceil())
	return box.Union(inkBox(ink))
}

// inkBounds returns the box of the ink of s set in face, in whole pixels
// around the origin of the baseline.
func inkBounds(face font.Face, s string) image.Rectangle {
	ink, _ := font.BoundString(face, s)
	return inkBox(ink)
}

// inkBox rounds an ink bound outwards to whole pixels.
func inkBox(b fixed.Rectangle26_6) image.Rectangle {
	return image.Rect(b.Min.X.Floor(), b.Min.Y.Floor(), b.Max.X.Ceil(), b.Max.Y.Ceil())
}

// rasterize draws s in face into a coverage mask the size of box, a
// rectangle around the origin of the baseline, as font.Drawer would but
// straight into the mask.
func rasterize(face font.Face, s string, box image.Rectangle) *image.Alpha {
	out := image.NewAlpha(image.Rect(0, 0, box.Dx(), box.Dy()))
	dot := fixed.P(-box.Min.X, -box.Min.Y)
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			dot.X += face.Kern(prev, r)
		}
		dr, mask, mp, advance, _ := face.Glyph(dot, r)
		if !dr.Empty() {
			addCoverage(out, dr, mask, mp)
		}
		dot.X += advance
		prev = r
	}
	return out
}

// addCoverage adds a glyph's coverage mask (from mp) over the part dr of
// dst, as "over" adds alpha: where glyphs overlap the ink only thickens.
func addCoverage(dst *image.Alpha, dr image.Rectangle, mask image.Image, mp image.Point) {
	m, ok := mask.(*image.Alpha)
	if !ok {
		draw.DrawMask(dst, dr, image.Opaque, image.Point{}, mask, mp, draw.Over)
		return
	}
	r := dr.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		d := dst.Pix[dst.PixOffset(r.Min.X, y):][:r.Dx()]
		src := m.Pix[m.PixOffset(mp.X+r.Min.X-dr.Min.X, mp.Y+y-dr.Min.Y):][:len(d)]
		for i, c := range src {
			d[i] += byte((uint32(c)*uint32(255-d[i]) + 127) / 255)
		}
	}
}
