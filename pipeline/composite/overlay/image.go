package overlay

import (
	"image"
	"image/draw"
)

// Image is a picture with alpha, converted once to YUV 4:2:0 (BT.601
// limited range) plus alpha so that blending it onto every frame is cheap.
// Build one with FromImage, Text or Scaled; it is never changed after, so
// any number of goroutines may Blend the same Image at once. A nil *Image
// draws nothing.
type Image struct {
	W, H int // size in luma pixels

	y, a []byte // W×H luma and its alpha (255 opaque), rows W apart
	// u, v: (W+1)/2 × (H+1)/2 chroma, rows (W+1)/2 apart; ca is each chroma
	// sample's alpha, the mean of its (up to four) luma pixels' alpha.
	u, v, ca []byte

	lumaRuns, chromaRuns runs // where the alpha planes are not transparent
}

// maxImageSide bounds the sides of an Image, as codec bounds frames.
const maxImageSide = 8192

// newImage returns a w×h Image with its colour and luma alpha planes
// allocated, all transparent; finish makes the rest.
func newImage(w, h int) *Image {
	cw, ch := (w+1)/2, (h+1)/2
	return &Image{
		W: w, H: h,
		y: make([]byte, w*h), a: make([]byte, w*h),
		u: make([]byte, cw*ch), v: make([]byte, cw*ch),
	}
}

// finish derives the chroma alpha from the luma alpha and indexes the
// runs; every constructor calls it once the planes are filled.
func (im *Image) finish() *Image {
	im.ca = chromaAlpha(im.a, im.W, im.H)
	cw, ch := (im.W+1)/2, (im.H+1)/2
	im.lumaRuns = findRuns(im.a, im.W, im.H)
	im.chromaRuns = findRuns(im.ca, cw, ch)
	return im
}

// FromImage converts any image.Image (RGBA, NRGBA, paletted, grey, YCbCr…)
// to an Image of the same size. It returns nil for nil, empty or
// oversized (a side over 8192) pictures.
func FromImage(img image.Image) *Image {
	if img == nil {
		return nil
	}
	b := img.Bounds()
	if b.Empty() || b.Dx() > maxImageSide || b.Dy() > maxImageSide {
		return nil
	}
	return fromRGBA(toRGBA(img))
}

// toRGBA returns img as premultiplied RGBA, img itself when it is one.
func toRGBA(img image.Image) *image.RGBA {
	if p, ok := img.(*image.RGBA); ok {
		return p
	}
	b := img.Bounds()
	p := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(p, p.Rect, img, b.Min, draw.Src)
	return p
}

// fromRGBA converts a premultiplied RGBA picture.
func fromRGBA(p *image.RGBA) *Image {
	w, h := p.Rect.Dx(), p.Rect.Dy()
	im := newImage(w, h)
	for y := range h {
		row := p.Pix[p.PixOffset(p.Rect.Min.X, p.Rect.Min.Y+y):][:4*w]
		for x := range w {
			px := row[4*x : 4*x+4 : 4*x+4]
			im.a[y*w+x] = px[3]
			im.y[y*w+x] = 16
			if px[3] != 0 {
				im.y[y*w+x], _, _ = premultipliedYUV(int(px[0]), int(px[1]), int(px[2]), int(px[3]))
			}
		}
	}
	cw := (w + 1) / 2
	for i := range im.u {
		im.u[i], im.v[i] = blockChroma(p, 2*(i%cw), 2*(i/cw))
	}
	return im.finish()
}

// blockChroma returns the alpha-weighted mean chroma of the 2×2 block of
// p whose top-left pixel is (x, y) from p's origin (less at p's edges);
// neutral grey's when the block is transparent.
func blockChroma(p *image.RGBA, x, y int) (u, v uint8) {
	var r, g, b, a int
	for dy := range min(2, p.Rect.Dy()-y) {
		o := p.PixOffset(p.Rect.Min.X+x, p.Rect.Min.Y+y+dy)
		for dx := range min(2, p.Rect.Dx()-x) {
			px := p.Pix[o+4*dx : o+4*dx+4 : o+4*dx+4]
			r, g, b, a = r+int(px[0]), g+int(px[1]), b+int(px[2]), a+int(px[3])
		}
	}
	if a == 0 {
		return 128, 128
	}
	_, u, v = premultipliedYUV(r, g, b, a)
	return u, v
}

// chromaAlpha returns the alpha of each chroma sample of a w×h alpha
// plane: the rounded mean of the luma pixels it stands for.
func chromaAlpha(a []byte, w, h int) []byte {
	cw, ch := (w+1)/2, (h+1)/2
	out := make([]byte, cw*ch)
	for cy := range ch {
		for cx := range cw {
			sum, n := 0, 0
			for y := 2 * cy; y < min(2*cy+2, h); y++ {
				for x := 2 * cx; x < min(2*cx+2, w); x++ {
					sum += int(a[y*w+x])
					n++
				}
			}
			out[cy*cw+cx] = uint8((sum + n/2) / n)
		}
	}
	return out
}
