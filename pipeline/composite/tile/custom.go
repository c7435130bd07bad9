package tile

import (
	"cmp"
	"slices"
)

// Custom returns the layout of the given regions (the first MaxTiles of
// them), checked beforehand with ValidateRegions. Each region becomes a
// tile with its even pixel rectangle on the scene's canvas, clamped to
// it, and its fit (FitContain when ""), showing its source:
//
//   - SourceSpeaker: the active speaker's camera, or when nobody speaks
//     the stage participant of Speaker;
//   - SourceScreen: the shared screen of Scene.Screen (Tile.Screen), no
//     tile when none is shared;
//   - a participant's id or, failing that, name: its camera, no tile when
//     it is not in the room;
//   - SourceNext: the next participant in join order that neither a named
//     or speaker region nor an earlier next region shows, no tile when
//     none is left.
//
// The tiles are sorted by Z, regions of the same Z in the given order.
func Custom(regions []Region) Layout {
	return custom{regions: slices.Clone(regions[:min(len(regions), MaxTiles)])}
}

type custom struct{ regions []Region }

// Tiles implements Layout.
func (c custom) Tiles(s Scene) []Tile {
	w, h := canvasSize(s)
	who := c.resolve(s)
	var tiles []Tile
	for i, r := range c.regions {
		rect, ok := r.pixels(w, h)
		if !ok || who[i] < 0 {
			continue
		}
		tiles = append(tiles, Tile{
			Participant: s.Participants[who[i]].ID,
			Screen:      r.Source == SourceScreen,
			Rect:        rect,
			Z:           r.Z,
			Fit:         fitOr(r.Fit, FitContain),
		})
	}
	slices.SortStableFunc(tiles, func(a, b Tile) int { return cmp.Compare(a.Z, b.Z) })
	return tiles
}

// resolve returns, for each region, the index of the participant it
// shows, or -1 when it shows nothing.
func (c custom) resolve(s Scene) []int {
	who := make([]int, len(c.regions))
	shown := make([]bool, len(s.Participants))
	for i, r := range c.regions {
		who[i] = resolveFixed(s, r.Source)
		if who[i] >= 0 && r.Source != SourceScreen {
			shown[who[i]] = true
		}
	}
	next := 0
	for i, r := range c.regions {
		if r.Source != SourceNext {
			continue
		}
		for next < len(shown) && (shown[next] || !s.Participants[next].tiled()) {
			next++
		}
		if next < len(shown) {
			who[i], shown[next] = next, true
		}
	}
	return who
}

// resolveFixed returns the participant that source names, whatever the
// other regions: -1 for SourceNext and for a source not in the room.
func resolveFixed(s Scene, source string) int {
	switch source {
	case SourceNext:
		return -1
	case SourceSpeaker:
		return stageIndex(s)
	case SourceScreen:
		return screenIndex(s)
	}
	return indexByNameOrID(s.Participants, source)
}
