package overlay

import "image"

// label paints a coverage mask in fg over bg (none when bg.A is 0), with
// pad pixels around it, straight into an Image. Its sides are rounded up
// to even (one more pixel of padding right or below), so that a label
// placed at an even position has no chroma sample half on its edge.
// It returns nil past the largest Image.
func label(mask *image.Alpha, fg, bg Color, pad int) *Image {
	w, h := evenUp(mask.Rect.Dx()+2*pad), evenUp(mask.Rect.Dy()+2*pad)
	if w > maxImageSide || h > maxImageSide {
		return nil
	}
	lut := newInkTable(fg, bg)
	im := newImage(w, h)
	cov := make([]byte, w*h) // the mask's coverage at the label's pixels
	for y := range mask.Rect.Dy() {
		copy(cov[(y+pad)*w+pad:], mask.Pix[y*mask.Stride:y*mask.Stride+mask.Rect.Dx()])
	}
	for i, c := range cov {
		im.y[i], im.a[i] = lut.y[c], lut.a[c]
	}
	cw := (w + 1) / 2
	for i := range im.u {
		x, y := 2*(i%cw), 2*(i/cw)
		im.u[i], im.v[i] = lut.chroma(cov[y*w+x], cov[y*w+x+1], cov[(y+1)*w+x], cov[(y+1)*w+x+1])
	}
	return im.finish()
}

// evenUp rounds n up to even.
func evenUp(n int) int { return (n + 1) &^ 1 }

// inkTable holds, for each coverage 0–255 of the text, the pixel it
// makes: fg at that coverage over bg. Mixing in YUV equals mixing in RGB,
// the conversion being affine.
type inkTable struct {
	a, y, u, v [256]uint8
	pu, pv     [256]int32 // u and v premultiplied by a
}

// newInkTable computes the table of fg over bg.
func newInkTable(fg, bg Color) *inkTable {
	t := &inkTable{}
	fy, fu, fv := fg.YUV()
	by, bu, bv := bg.YUV()
	for c := range 256 {
		ta := (c*int(fg.A) + 127) / 255        // the text's alpha
		ba := (int(bg.A)*(255-ta) + 127) / 255 // what shows of the background
		a := ta + ba
		t.a[c] = uint8(a)
		t.y[c], t.u[c], t.v[c] = 16, 128, 128
		if a > 0 {
			t.y[c] = uint8((ta*int(fy) + ba*int(by) + a/2) / a)
			t.u[c] = uint8((ta*int(fu) + ba*int(bu) + a/2) / a)
			t.v[c] = uint8((ta*int(fv) + ba*int(bv) + a/2) / a)
		}
		t.pu[c], t.pv[c] = int32(a)*int32(t.u[c]), int32(a)*int32(t.v[c])
	}
	return t
}

// chroma returns the alpha-weighted mean chroma of a 2×2 block of
// coverages, neutral where the block is transparent.
func (t *inkTable) chroma(c0, c1, c2, c3 byte) (u, v uint8) {
	if c0 == c1 && c0 == c2 && c0 == c3 {
		return t.u[c0], t.v[c0]
	}
	a := int32(t.a[c0]) + int32(t.a[c1]) + int32(t.a[c2]) + int32(t.a[c3])
	if a == 0 {
		return 128, 128
	}
	pu := t.pu[c0] + t.pu[c1] + t.pu[c2] + t.pu[c3]
	pv := t.pv[c0] + t.pv[c1] + t.pv[c2] + t.pv[c3]
	return uint8((pu + a/2) / a), uint8((pv + a/2) / a)
}
