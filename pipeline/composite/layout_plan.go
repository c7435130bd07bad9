package composite

import (
	"slices"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
	"github.com/roomcast/roomcast/pipeline/media"
)

// slotPlan is what one output slot shows: passed-through units, or tiles
// and the sources that fill them.
type slotPlan struct {
	pass  bool
	units []*media.Unit
	tiles []tile.Tile
	names []string
	srcs  []*videoSource // per tile; nil: the placeholder
}

// plan lays the room out for one slot and decides between passthrough
// and composing; it starts and stops decoding to match.
func (l *Layout) plan(slot time.Duration) slotPlan {
	l.mu.Lock()
	defer l.mu.Unlock()
	scene := l.roster.scene(l.cfg.Width, l.cfg.Height, l.selector.Current())
	tiles := l.view.layout().Tiles(scene)
	slices.SortStableFunc(tiles, func(a, b tile.Tile) int { return a.Z - b.Z })
	p := slotPlan{tiles: tiles, names: make([]string, len(tiles)), srcs: make([]*videoSource, len(tiles))}
	for i, t := range tiles {
		m, src := l.roster.source(t)
		if m != nil {
			p.names[i], p.srcs[i] = m.name, src
		}
	}
	if src := l.passSource(p); src != nil {
		l.startPassing(src.track)
		p.pass, p.units = true, l.video.takePassthrough(slot)
		return p
	}
	if l.passing {
		l.passing = false
		l.video.release()
	}
	for _, src := range l.sources {
		src.want(slices.Contains(p.srcs, src))
	}
	return p
}

// passSource returns the source to pass through untouched, or nil: when
// the view allows it and shows one H.264 camera alone, on the whole canvas.
func (l *Layout) passSource(p slotPlan) *videoSource {
	if l.cfg.NoPassthrough || !l.view.mayPassThrough() || len(p.tiles) != 1 {
		return nil
	}
	r, src := p.tiles[0].Rect, p.srcs[0]
	full := r.X == 0 && r.Y == 0 && r.W == l.cfg.Width && r.H == l.cfg.Height
	if !full || src == nil || src.track.Codec != media.CodecH264 {
		return nil
	}
	return src
}

// startPassing passes t through, from its next keyframe; nothing is
// decoded meanwhile.
func (l *Layout) startPassing(t *media.Track) {
	l.passing = true
	if l.video.choose(t) != nil {
		l.cfg.RequestKeyframe(t.ID)
	}
	for _, src := range l.sources {
		src.want(false)
	}
}

// pictures takes each tile's frame for the slot: the newest decoded one,
// or the placeholder when there is none or it is older than
// PlaceholderAfter (a stalled or silent camera).
func (l *Layout) pictures(p slotPlan, slot time.Duration) []picture {
	pics := make([]picture, len(p.tiles))
	for i, t := range p.tiles {
		pics[i] = picture{tile: t, name: p.names[i]}
		if p.srcs[i] == nil {
			continue
		}
		f := p.srcs[i].frameAt(slot)
		if f != nil && slot-f.PTS <= l.cfg.PlaceholderAfter {
			pics[i].frame = f
		}
	}
	return pics
}
