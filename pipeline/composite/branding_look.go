package composite

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/composite/overlay"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// look is the branding of one canvas, rendered once for its size: the
// background picture, the overlays blended over the tiles, the label
// style. The canvas only copies and blends it.
type look struct {
	bg       *codec.VideoFrame // the background at the canvas size; nil: the colour
	overlays []placed          // in drawing order: title bar, title, logo
	label    TextStyle         // font size already scaled to the canvas
}

// placed is an overlay and where it goes, at even coordinates.
type placed struct {
	im   *overlay.Image
	x, y int
}

func (p placed) rect() image.Rectangle { return image.Rect(p.x, p.y, p.x+p.im.W, p.y+p.im.H) }

// look renders b (nil: none) for a w×h canvas of a layout whose main
// canvas is mainW×mainH, on background colour bg.
func (b *Branding) look(w, h, mainW, mainH int, bg overlay.Color) *look {
	lk := &look{}
	if b == nil {
		return lk
	}
	ratio := float64(min(w, h)) / float64(min(mainW, mainH))
	lk.label = b.Label
	lk.label.FontSize *= ratio
	if b.Background != nil {
		lk.bg = coverFrame(b.Background, w, h, bg)
	}
	var top, bottom int // the title bar's height on either side
	if t := b.Title; t != nil {
		bar := lk.addTitle(t, w, h, ratio)
		if t.Position == TitleBottom {
			bottom = bar
		} else {
			top = bar
		}
	}
	if l := b.Logo; l != nil {
		lk.addLogo(l, w, h, ratio, top, bottom)
	}
	return lk
}

// addTitle renders the title bar across a w×h canvas and returns its
// height (0 when nothing shows).
func (lk *look) addTitle(t *Title, w, h int, ratio float64) int {
	size := t.FontSize * ratio
	if size == 0 {
		size = max(12, min(72, float64(h)/24))
	}
	size = max(size, 4)
	fg, bgc := t.colors(defaultTitleBackground)
	pad := int(math.Round(size / 3))
	text := overlay.Text(t.Text, overlay.TextStyle{Size: size, Color: fg, Bold: true, Padding: pad}, w)
	if text == nil || text.H > h {
		return 0
	}
	y := 0
	if t.Position == TitleBottom {
		y = h - text.H
	}
	if bgc.A > 0 {
		lk.overlays = append(lk.overlays, placed{solid(w, text.H, bgc), 0, y})
	}
	lk.overlays = append(lk.overlays, placed{text, (w - text.W) / 2 &^ 1, y})
	return text.H
}

// solid returns a w×h Image of one colour.
func solid(w, h int, c overlay.Color) *overlay.Image {
	p := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(p, p.Rect, image.NewUniform(color.NRGBA{c.R, c.G, c.B, c.A}), image.Point{}, draw.Src)
	return overlay.FromImage(p)
}

// addLogo places the logo in its corner of a w×h canvas, clear of title
// bars top and bottom high.
func (lk *look) addLogo(l *Logo, w, h int, ratio float64, top, bottom int) {
	src := overlay.FromImage(l.Image)
	if src == nil {
		return
	}
	scale := l.Scale
	if scale == 0 {
		scale = DefaultLogoScale
	}
	lw := evenRound(scale * float64(w))
	lh := evenRound(float64(lw) * float64(src.H) / float64(src.W))
	if lh > h/2 {
		lh = max(2, h/2&^1)
		lw = evenRound(float64(lh) * float64(src.W) / float64(src.H))
	}
	im := src.Scaled(min(lw, w), lh)
	if im == nil {
		return
	}
	m := int(math.Round(float64(l.Margin) * ratio))
	x, y := m, top+m
	switch l.Position {
	case LogoTopLeft:
	case LogoBottomLeft:
		y = h - bottom - m - im.H
	case LogoBottomRight:
		x, y = w-m-im.W, h-bottom-m-im.H
	default: // top-right
		x = w - m - im.W
	}
	x, y = max(0, min(x, w-im.W))&^1, max(0, min(y, h-im.H))&^1
	lk.overlays = append(lk.overlays, placed{im, x, y})
}

// coverFrame returns img scaled to cover a w×h frame, centred and
// cropped, over colour bg; nil if it cannot be converted.
func coverFrame(img image.Image, w, h int, bg overlay.Color) *codec.VideoFrame {
	b := img.Bounds()
	cw, ch := b.Dx(), b.Dy()
	if cw*h > ch*w { // wider than the canvas: crop the sides
		cw = max(1, ch*w/h)
	} else {
		ch = max(1, cw*h/w)
	}
	crop := image.NewRGBA(image.Rect(0, 0, cw, ch))
	draw.Draw(crop, crop.Rect, img, b.Min.Add(image.Pt((b.Dx()-cw)/2, (b.Dy()-ch)/2)), draw.Src)
	im := overlay.FromImage(crop).Scaled(w, h)
	if im == nil {
		return nil
	}
	f := codec.NewVideoFrame(w, h)
	overlay.Fill(f, 0, 0, w, h, bg)
	im.Blend(f, 0, 0)
	return f
}

// fillBackground paints the rectangle (x, y, w, h) of the canvas with its
// background: the branding's picture there, or the colour.
func (c *canvas) fillBackground(x, y, w, h int) {
	if c.look.bg == nil {
		overlay.Fill(c.frame, x, y, w, h, c.bg)
		return
	}
	copyRect(c.frame, c.look.bg, image.Rect(x, y, x+w, y+h))
}

// copyRect copies rectangle r of src to the same place in dst, a frame of
// the same size. Chroma samples r covers in part are copied too.
func copyRect(dst, src *codec.VideoFrame, r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, dst.Width, dst.Height))
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst.Y[y*dst.StrideY+r.Min.X:y*dst.StrideY+r.Max.X], src.Y[y*src.StrideY+r.Min.X:])
	}
	x0, x1 := r.Min.X/2, (r.Max.X+1)/2
	for y := r.Min.Y / 2; y < (r.Max.Y+1)/2; y++ {
		copy(dst.U[y*dst.StrideU+x0:y*dst.StrideU+x1], src.U[y*src.StrideU+x0:])
		copy(dst.V[y*dst.StrideV+x0:y*dst.StrideV+x1], src.V[y*src.StrideV+x0:])
	}
}

// brandAll blends every overlay over the whole canvas: after it was
// filled afresh.
func (c *canvas) brandAll() {
	for _, o := range c.look.overlays {
		o.im.Blend(c.frame, o.x, o.y)
	}
}

// brandTile blends back the overlays over tile rectangle r, just redrawn,
// and nowhere else: a translucent overlay blended twice over the same
// pixels would darken them frame after frame.
func (c *canvas) brandTile(r tile.Rect) {
	if r.W < 2 || r.H < 2 { // drawTile skips these
		return
	}
	box := image.Rect(r.X, r.Y, r.X+r.W, r.Y+r.H).Intersect(image.Rect(0, 0, c.frame.Width, c.frame.Height))
	var view *codec.VideoFrame
	for _, o := range c.look.overlays {
		if !o.rect().Overlaps(box) {
			continue
		}
		if view == nil {
			view = subFrame(c.frame, box)
		}
		o.im.Blend(view, o.x-box.Min.X, o.y-box.Min.Y)
	}
}

// subFrame returns a frame sharing the planes of f within r, whose
// corner is even so that its chroma lines up.
func subFrame(f *codec.VideoFrame, r image.Rectangle) *codec.VideoFrame {
	x, y := r.Min.X, r.Min.Y
	return &codec.VideoFrame{
		Width: r.Dx(), Height: r.Dy(),
		Y: f.Y[y*f.StrideY+x:], U: f.U[y/2*f.StrideU+x/2:], V: f.V[y/2*f.StrideV+x/2:],
		StrideY: f.StrideY, StrideU: f.StrideU, StrideV: f.StrideV,
	}
}

// labelStyle is how the name label of a tile h pixels high is set.
func (lk *look) labelStyle(h int) overlay.TextStyle {
	size := lk.label.FontSize
	if size == 0 {
		size = max(12, min(28, float64(h)/12))
	}
	size = max(size, 4)
	fg, bg := lk.label.colors(defaultLabelBackground)
	return overlay.TextStyle{Size: size, Color: fg, Background: bg, Padding: int(size / 3)}
}
