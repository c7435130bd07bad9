package tile

import (
	"fmt"
	"testing"
)

// canvases are the canvas sizes every layout is checked on.
var canvases = []struct{ w, h int }{{1280, 720}, {720, 1280}, {1920, 1080}}

// counts are the room sizes every layout is checked with.
var counts = []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 16, 17, 20, 25, 26}

// people returns n participants with ids p0…, names n0… and cameras.
func people(n int) []Participant {
	ps := make([]Participant, n)
	for i := range ps {
		ps[i] = Participant{ID: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("n%d", i), Camera: true}
	}
	return ps
}

// room returns a w×h scene with people(n).
func room(w, h, n int) Scene { return Scene{Width: w, Height: h, Participants: people(n)} }

// ids returns the participants of tiles, in order.
func ids(tiles []Tile) []string {
	out := make([]string, len(tiles))
	for i, t := range tiles {
		out[i] = t.Participant
	}
	return out
}

// checkTiles fails t for a tile that breaks the contract on s: a
// rectangle that is empty, has an odd number or leaves the canvas, a
// participant not in the room, a screen of one that does not share.
func checkTiles(t testing.TB, s Scene, tiles []Tile) {
	t.Helper()
	if len(tiles) > MaxTiles {
		t.Errorf("%d tiles, more than MaxTiles", len(tiles))
	}
	for i, tl := range tiles {
		r := tl.Rect
		if r.W <= 0 || r.H <= 0 || r.X < 0 || r.Y < 0 || r.X+r.W > s.Width || r.Y+r.H > s.Height {
			t.Errorf("tile %d: %+v is empty or leaves the %dx%d canvas", i, r, s.Width, s.Height)
		}
		if r.X%2 != 0 || r.Y%2 != 0 || r.W%2 != 0 || r.H%2 != 0 {
			t.Errorf("tile %d: %+v has an odd number", i, r)
		}
		p := indexByID(s.Participants, tl.Participant)
		switch {
		case p < 0:
			t.Errorf("tile %d: participant %q is not in the room", i, tl.Participant)
		case tl.Screen && !s.Participants[p].Screen:
			t.Errorf("tile %d: screen of %q, who does not share", i, tl.Participant)
		}
		if tl.Fit != FitContain && tl.Fit != FitCover {
			t.Errorf("tile %d: fit %q", i, tl.Fit)
		}
	}
}

// checkNoOverlap fails t when two tiles share a pixel.
func checkNoOverlap(t testing.TB, tiles []Tile) {
	t.Helper()
	for j := range tiles {
		for i := range j {
			if overlaps(tiles[i].Rect, tiles[j].Rect) {
				t.Errorf("tiles %d %+v and %d %+v overlap", i, tiles[i].Rect, j, tiles[j].Rect)
			}
		}
	}
}

// rects returns the rectangles of tiles, in order.
func rects(tiles []Tile) []Rect {
	out := make([]Rect, len(tiles))
	for i, t := range tiles {
		out[i] = t.Rect
	}
	return out
}
