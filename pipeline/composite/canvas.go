package composite

import (
	"fmt"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/composite/overlay"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// picture is what one tile shows now: a decoded frame, or nil for the
// participant's placeholder.
type picture struct {
	tile  tile.Tile
	name  string // participant name, for the placeholder and the label
	frame *codec.VideoFrame
	// pts is the frame's PTS when it was picked: decoders reuse frames,
	// so the same frame with another PTS is another picture.
	pts time.Duration
	// arrival is when the frame's unit arrived (zero when unknown).
	arrival time.Time
}

// same reports whether p shows what q showed.
func (p picture) same(q picture) bool { return p.frame == q.frame && p.pts == q.pts }

// canvas is the persistent output picture. It redraws only what changed:
// everything when the tiles move, otherwise the tiles whose frame changed
// (all of them when tiles overlap, so z order holds). Owned by the
// output goroutine.
type canvas struct {
	frame   *codec.VideoFrame
	bg      overlay.Color
	labels  bool
	scalers map[int]*tileScaler // by tile index
	places  map[placeKey]*codec.VideoFrame
	texts   map[labelKey]*overlay.Image
	drawn   []picture
	redraws uint64 // tiles drawn, for the quality report and tests
	look    *look  // the branding, rendered for this canvas
}

type tileScaler struct {
	w, h int
	fit  tile.Fit
	s    *codec.Scaler
}

type placeKey struct {
	name string
	w, h int
}

type labelKey struct {
	name string
	w, h int
}

func newCanvas(width, height int, bg overlay.Color, labels bool, lk *look) *canvas {
	c := &canvas{
		frame: codec.NewVideoFrame(width, height), bg: bg, labels: labels, look: lk,
		scalers: map[int]*tileScaler{}, places: map[placeKey]*codec.VideoFrame{}, texts: map[labelKey]*overlay.Image{},
	}
	c.fillBackground(0, 0, width, height)
	c.brandAll()
	return c
}

// draw brings the canvas to pics and returns it.
func (c *canvas) draw(pics []picture) (*codec.VideoFrame, error) {
	full := c.moved(pics)
	if !full && overlapping(pics) && c.changed(pics) {
		full = true
	}
	if full {
		c.fillBackground(0, 0, c.frame.Width, c.frame.Height)
		c.dropScalers(len(pics))
	}
	for i, p := range pics {
		if !full && p.frame != nil && p.same(c.drawn[i]) {
			continue
		}
		if !full && p.frame == nil && c.drawn[i].frame == nil {
			continue // the same placeholder
		}
		if err := c.drawTile(i, p); err != nil {
			return nil, err
		}
		if !full {
			c.brandTile(p.tile.Rect)
		}
	}
	if full {
		c.brandAll()
	}
	c.drawn = append(c.drawn[:0], pics...)
	return c.frame, nil
}

// moved reports whether the tiles differ from the last drawn ones in
// number, place or whom they show.
func (c *canvas) moved(pics []picture) bool {
	if len(pics) != len(c.drawn) {
		return true
	}
	for i, p := range pics {
		if p.tile != c.drawn[i].tile || p.name != c.drawn[i].name {
			return true
		}
	}
	return false
}

func (c *canvas) changed(pics []picture) bool {
	for i, p := range pics {
		if !p.same(c.drawn[i]) {
			return true
		}
	}
	return false
}

// overlapping reports whether any two tiles overlap.
func overlapping(pics []picture) bool {
	for i := range pics {
		for j := i + 1; j < len(pics); j++ {
			a, b := pics[i].tile.Rect, pics[j].tile.Rect
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				return true
			}
		}
	}
	return false
}

// drawTile draws one tile: its picture (or placeholder) and its label.
func (c *canvas) drawTile(i int, p picture) error {
	r := p.tile.Rect
	if r.W < 2 || r.H < 2 {
		return nil
	}
	c.redraws++
	src := p.frame
	fit := p.tile.Fit
	if src == nil {
		src, fit = c.placeholder(p.name, r.W, r.H), tile.FitCover
	} else if fit != tile.FitCover {
		c.fillBackground(r.X, r.Y, r.W, r.H) // the bars
	}
	sc, err := c.scaler(i, r.W, r.H, fit)
	if err != nil {
		return err
	}
	if err := sc.ScaleInto(c.frame, r.X, r.Y, src); err != nil {
		return fmt.Errorf("draw tile %d (%s): %w", i, p.name, err)
	}
	if c.labels && p.name != "" && src == p.frame {
		c.drawLabel(p.name, r)
	}
	return nil
}

// scaler returns tile i's scaler, rebuilt when its size or fit changes.
// Each tile has its own, so sources of different sizes never make one
// scaler rebuild its context frame after frame.
func (c *canvas) scaler(i, w, h int, fit tile.Fit) (*codec.Scaler, error) {
	if ts := c.scalers[i]; ts != nil && ts.w == w && ts.h == h && ts.fit == fit {
		return ts.s, nil
	}
	if ts := c.scalers[i]; ts != nil {
		ts.s.Close()
	}
	f := codec.FitContain
	if fit == tile.FitCover {
		f = codec.FitCover
	}
	s, err := codec.NewScaler(w, h, f)
	if err != nil {
		return nil, fmt.Errorf("tile %d scaler: %w", i, err)
	}
	c.scalers[i] = &tileScaler{w: w, h: h, fit: fit, s: s}
	return s, nil
}

// dropScalers closes the scalers of tiles past n.
func (c *canvas) dropScalers(n int) {
	for i, ts := range c.scalers {
		if i >= n {
			ts.s.Close()
			delete(c.scalers, i)
		}
	}
}

// maxCached bounds the placeholder and label caches.
const maxCached = 64

// placeholder returns the placeholder picture of a participant at w×h.
func (c *canvas) placeholder(name string, w, h int) *codec.VideoFrame {
	k := placeKey{name, w, h}
	if f := c.places[k]; f != nil {
		return f
	}
	if len(c.places) >= maxCached {
		clear(c.places)
	}
	f := overlay.Placeholder(w, h, name)
	c.places[k] = f
	return f
}

// drawLabel blends the participant's name at the bottom left of r.
func (c *canvas) drawLabel(name string, r tile.Rect) {
	k := labelKey{name, r.W, r.H}
	img, ok := c.texts[k]
	if !ok {
		if len(c.texts) >= maxCached {
			clear(c.texts)
		}
		img = overlay.Text(name, c.look.labelStyle(r.H), r.W-8)
		c.texts[k] = img
	}
	if img != nil {
		img.Blend(c.frame, r.X+4, r.Y+r.H-img.H-4)
	}
}

func (c *canvas) close() {
	for _, ts := range c.scalers {
		ts.s.Close()
	}
	clear(c.scalers)
}
