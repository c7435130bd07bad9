package tile

import (
	"slices"
	"testing"
)

func TestSingle(t *testing.T) {
	ps := people(4)
	ps[2].Name = "p1" // a name that is another participant's id
	ps[3].Name = "n0" // a name two participants share
	s := Scene{Width: 1280, Height: 720, Participants: ps}
	for _, c := range []struct{ name, want string }{
		{"p3", "p3"}, {"n1", "p1"}, {"p1", "p1"}, {"n0", "p0"}, {"nobody", ""}, {"", ""},
	} {
		tiles := Single(c.name).Tiles(s)
		var want []Tile
		if c.want != "" {
			want = []Tile{{Participant: c.want, Rect: Rect{W: 1280, H: 720}, Fit: FitContain}}
		}
		if !slices.Equal(tiles, want) {
			t.Errorf("Single(%q): %+v, want %+v", c.name, tiles, want)
		}
	}
}
