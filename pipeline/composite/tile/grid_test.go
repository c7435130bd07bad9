package tile

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

func TestGridShape(t *testing.T) {
	for _, c := range []struct{ n, cols, rows int }{
		{1, 1, 1}, {2, 2, 1}, {3, 2, 2}, {4, 2, 2}, {5, 3, 2}, {6, 3, 2},
		{7, 3, 3}, {9, 3, 3}, {10, 4, 3}, {12, 4, 3}, {13, 4, 4}, {16, 4, 4},
		{17, 5, 4}, {20, 5, 4}, {21, 5, 5}, {25, 5, 5},
	} {
		if cols, rows := gridShape(c.n, false); cols != c.cols || rows != c.rows {
			t.Errorf("landscape %d: %dx%d, want %dx%d", c.n, cols, rows, c.cols, c.rows)
		}
		if cols, rows := gridShape(c.n, true); cols != c.rows || rows != c.cols {
			t.Errorf("portrait %d: %dx%d, want %dx%d", c.n, cols, rows, c.rows, c.cols)
		}
	}
}

func TestGridRects(t *testing.T) {
	for _, c := range []struct {
		name string
		w, h int
		n    int
		want []Rect
	}{
		{"one", 1280, 720, 1, []Rect{{0, 0, 1280, 720}}},
		{"two side by side", 1280, 720, 2, []Rect{{0, 0, 640, 720}, {640, 0, 640, 720}}},
		{"three, last centred", 1280, 720, 3, []Rect{{0, 0, 640, 360}, {640, 0, 640, 360}, {320, 360, 640, 360}}},
		{"four quarters", 1280, 720, 4, []Rect{{0, 0, 640, 360}, {640, 0, 640, 360}, {0, 360, 640, 360}, {640, 360, 640, 360}}},
		{"six, cells rounded down to even", 1280, 720, 6, []Rect{
			{0, 0, 426, 360}, {426, 0, 426, 360}, {852, 0, 426, 360},
			{0, 360, 426, 360}, {426, 360, 426, 360}, {852, 360, 426, 360}}},
		{"seven, last row of one", 1280, 720, 7, []Rect{
			{0, 0, 426, 240}, {426, 0, 426, 240}, {852, 0, 426, 240},
			{0, 240, 426, 240}, {426, 240, 426, 240}, {852, 240, 426, 240},
			{426, 480, 426, 240}}},
		{"ten, last row of two centred", 1280, 720, 10, []Rect{
			{0, 0, 320, 240}, {320, 0, 320, 240}, {640, 0, 320, 240}, {960, 0, 320, 240},
			{0, 240, 320, 240}, {320, 240, 320, 240}, {640, 240, 320, 240}, {960, 240, 320, 240},
			{320, 480, 320, 240}, {640, 480, 320, 240}}},
		{"portrait two stacked", 720, 1280, 2, []Rect{{0, 0, 720, 640}, {0, 640, 720, 640}}},
		{"portrait five", 720, 1280, 5, []Rect{
			{0, 0, 360, 426}, {360, 0, 360, 426},
			{0, 426, 360, 426}, {360, 426, 360, 426},
			{180, 852, 360, 426}}},
		{"grid centred on an odd remainder", 1282, 722, 4, []Rect{
			{0, 0, 640, 360}, {640, 0, 640, 360}, {0, 360, 640, 360}, {640, 360, 640, 360}}},
		{"odd canvas rounded down", 1281, 721, 1, []Rect{{0, 0, 1280, 720}}},
		{"full hd 25", 1920, 1080, 25, fullGrid(5, 5, 384, 216)},
		{"empty room", 1280, 720, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := rects(Grid(GridOptions{}).Tiles(room(c.w, c.h, c.n)))
			if !slices.Equal(got, c.want) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// fullGrid returns the cells of a complete cols×rows grid of w×h cells
// from the top left corner, row by row.
func fullGrid(cols, rows, w, h int) []Rect {
	var out []Rect
	for i := range cols * rows {
		out = append(out, Rect{X: i % cols * w, Y: i / cols * h, W: w, H: h})
	}
	return out
}

func TestGridInvariants(t *testing.T) {
	for _, cv := range canvases {
		for _, n := range counts {
			s := room(cv.w, cv.h, n)
			if n > 2 {
				s.Participants[1].Camera = false // a placeholder tile all the same
			}
			tiles := Grid(GridOptions{}).Tiles(s)
			checkTiles(t, s, tiles)
			checkNoOverlap(t, tiles)
			if len(tiles) != min(n, MaxTiles) {
				t.Fatalf("%dx%d n=%d: %d tiles", cv.w, cv.h, n, len(tiles))
			}
			for i, tl := range tiles {
				want := Tile{Participant: s.Participants[i].ID, Rect: tl.Rect, Fit: FitContain}
				if tl != want || tl.Rect.W != tiles[0].Rect.W || tl.Rect.H != tiles[0].Rect.H {
					t.Errorf("%dx%d n=%d tile %d: %+v, want %+v the size of tile 0", cv.w, cv.h, n, i, tl, want)
				}
			}
		}
	}
}

func TestGridFit(t *testing.T) {
	for _, c := range []struct{ in, want Fit }{{"", FitContain}, {FitCover, FitCover}, {FitContain, FitContain}, {"stretch", FitContain}} {
		for _, tl := range Grid(GridOptions{Fit: c.in}).Tiles(room(1280, 720, 3)) {
			if tl.Fit != c.want {
				t.Errorf("fit %q: tile fit %q, want %q", c.in, tl.Fit, c.want)
			}
		}
	}
}

// fullRowTiles returns how many tiles of a grid of n stand in complete
// rows.
func fullRowTiles(n int, portrait bool) int {
	cols, _ := gridShape(n, portrait)
	return n / cols * cols
}

func TestGridStability(t *testing.T) {
	g := Grid(GridOptions{})
	for _, cv := range canvases {
		portrait := isPortrait(cv.w, cv.h)
		for n := 1; n < MaxTiles; n++ {
			c0, r0 := gridShape(n, portrait)
			c1, r1 := gridShape(n+1, portrait)
			if c0 != c1 || r0 != r1 {
				continue // the grid changes shape: everybody may move
			}
			before := g.Tiles(room(cv.w, cv.h, n))
			after := g.Tiles(room(cv.w, cv.h, n+1))
			for i := range fullRowTiles(n, portrait) {
				if after[i] != before[i] {
					t.Errorf("%dx%d join %d→%d: tile %d moved %+v → %+v", cv.w, cv.h, n, n+1, i, before[i], after[i])
				}
			}
			if last := after[n].Participant; last != "p"+strconv.Itoa(n) {
				t.Errorf("%dx%d join: newcomer at the end is %q", cv.w, cv.h, last)
			}

			// p(k) leaves n+1: the later ones close up, complete rows stay.
			k := n / 2
			s := room(cv.w, cv.h, n+1)
			s.Participants = slices.Delete(s.Participants, k, k+1)
			left := g.Tiles(s)
			wantIDs := slices.Delete(ids(after), k, k+1)
			if !slices.Equal(ids(left), wantIDs) {
				t.Errorf("%dx%d leave: order %v, want %v", cv.w, cv.h, ids(left), wantIDs)
			}
			for i := range fullRowTiles(n, portrait) {
				if left[i].Rect != after[i].Rect {
					t.Errorf("%dx%d leave %d→%d: position %d moved %+v → %+v", cv.w, cv.h, n+1, n, i, after[i].Rect, left[i].Rect)
				}
			}
		}
	}
}

// TestScreenSessionHasNoCameraTile: a screen share published as its own
// session (a screen, no camera, no audio) gets no camera tile in the grid
// or a strip; its screen still takes the presentation stage. Someone
// with audio and no camera keeps a (placeholder) tile.
func TestScreenSessionHasNoCameraTile(t *testing.T) {
	s := Scene{Width: 1280, Height: 720, Screen: "share", Participants: []Participant{
		{ID: "ann", Camera: true, Audio: true},
		{ID: "share", Screen: true},
		{ID: "phone", Audio: true},
	}}
	ids := func(ts []Tile) (out []string) {
		for _, tl := range ts {
			out = append(out, fmt.Sprintf("%s%v", tl.Participant, map[bool]string{true: "/screen"}[tl.Screen]))
		}
		return out
	}
	if got := ids(Grid(GridOptions{}).Tiles(s)); !slices.Equal(got, []string{"ann", "phone"}) {
		t.Errorf("grid tiles %v, want ann and phone", got)
	}
	if got := ids(Presentation(PresentationOptions{}).Tiles(s)); !slices.Equal(got, []string{"share/screen", "ann", "phone"}) {
		t.Errorf("presentation tiles %v, want the screen then ann and phone", got)
	}
	if got := ids(Speaker(SpeakerOptions{Thumbnails: true}).Tiles(s)); !slices.Equal(got, []string{"ann", "phone"}) {
		t.Errorf("speaker tiles %v, want ann and phone", got)
	}
}
