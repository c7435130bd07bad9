package composite

import (
	"slices"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
	"github.com/roomcast/roomcast/pipeline/media"
)

// slotPlan is what one canvas shows in one slot: passed-through units,
// or tiles and the sources that fill them.
type slotPlan struct {
	pass  bool
	units []*media.Unit
	tiles []tile.Tile
	names []string
	srcs  []*videoSource // per tile; nil: the placeholder
}

// plan lays the room out on every canvas for one slot and decides
// between passthrough and composing; it starts and stops decoding to
// match: a source decodes while any canvas composes it.
func (l *Layout) plan(slot time.Duration) []slotPlan {
	l.mu.Lock()
	defer l.mu.Unlock()
	speaker := l.selector.Current()
	plans := make([]slotPlan, len(l.canvases))
	for i, c := range l.canvases {
		view := l.view
		if c.view != nil {
			view = *c.view
		}
		plans[i] = l.layOut(view, c.cfg.Width, c.cfg.Height, speaker)
	}
	waiting := false
	if len(plans) == 1 {
		if src := l.passSource(l.view, plans[0]); src != nil {
			l.startPassing(src.track)
			// Once the output has sent composed video, composing goes on
			// until the camera's keyframe is due: a switch to passthrough
			// leaves no hole in the picture. Before that, the output
			// starts with the camera's keyframe.
			if l.passOut || !l.composed || l.video.keyDue(slot) {
				l.passOut = true
				for _, src := range l.sources {
					src.want(false)
				}
				plans[0].pass, plans[0].units = true, l.video.takePassthrough(slot)
				return plans
			}
			waiting = true
		}
	}
	if l.passing && !waiting {
		l.passing, l.passOut = false, false
		l.video.release()
	}
	for _, src := range l.sources {
		src.want(slices.ContainsFunc(plans, func(p slotPlan) bool { return slices.Contains(p.srcs, src) }))
	}
	return plans
}

// layOut computes one canvas's tiles and their sources.
func (l *Layout) layOut(view View, width, height int, speaker string) slotPlan {
	tiles := view.Layout().Tiles(l.roster.scene(width, height, speaker))
	slices.SortStableFunc(tiles, func(a, b tile.Tile) int { return a.Z - b.Z })
	p := slotPlan{tiles: tiles, names: make([]string, len(tiles)), srcs: make([]*videoSource, len(tiles))}
	for i, t := range tiles {
		if m, src := l.roster.source(t); m != nil {
			p.names[i], p.srcs[i] = m.name, src
		}
	}
	return p
}

// passSource returns the source to pass through untouched, or nil: when
// the view allows it and shows one H.264 camera alone, on the whole canvas.
func (l *Layout) passSource(view View, p slotPlan) *videoSource {
	if l.cfg.NoPassthrough || !mayPassThrough(view) || len(p.tiles) != 1 {
		return nil
	}
	r, src := p.tiles[0].Rect, p.srcs[0]
	full := r.X == 0 && r.Y == 0 && r.W == l.cfg.Width && r.H == l.cfg.Height
	if !full || src == nil || src.track.Codec != media.CodecH264 {
		return nil
	}
	return src
}

// passFromKeyframe starts passing src's track through at its keyframe
// that just came, when the layout would pass it through now: a job that
// joins a running room then starts with the camera's keyframe the room
// cached, rather than waiting for (and asking for) the next one because
// the cached one came before the output's first step. Called with l.mu
// held, for each keyframe while nothing passes through.
func (l *Layout) passFromKeyframe(src *videoSource) {
	if len(l.canvases) != 1 {
		return
	}
	c := l.canvases[0]
	view := l.view
	if c.view != nil {
		view = *c.view
	}
	p := l.layOut(view, c.cfg.Width, c.cfg.Height, l.selector.Current())
	if l.passSource(l.view, p) == src {
		l.passing = true
		l.video.choose(src.track)
	}
}

// startPassing passes t through, from its next keyframe (asked for).
func (l *Layout) startPassing(t *media.Track) {
	l.passing = true
	if l.video.choose(t) != nil {
		l.cfg.RequestKeyframe(t.ID)
	}
}

// pictures takes each tile's frame for the slot: the decoded one nearest
// to it (the newest at or before half a frame interval after it, so a
// source's frames land on the output's frame grid with at most half an
// interval of error either way, not a whole one late), or the placeholder
// when there is none or it is older than PlaceholderAfter (a stalled or
// silent camera).
func (l *Layout) pictures(p slotPlan, slot time.Duration) []picture {
	half := time.Second / time.Duration(2*l.cfg.FPS)
	pics := make([]picture, len(p.tiles))
	for i, t := range p.tiles {
		pics[i] = picture{tile: t, name: p.names[i]}
		if p.srcs[i] == nil {
			continue
		}
		f, at := p.srcs[i].frameAt(slot+half, slot)
		if f != nil && slot-f.PTS <= l.cfg.PlaceholderAfter {
			pics[i].frame, pics[i].pts, pics[i].arrival = f, f.PTS, at
		}
	}
	return pics
}
