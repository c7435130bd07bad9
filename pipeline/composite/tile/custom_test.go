package tile

import (
	"encoding/json"
	"slices"
	"testing"
)

// cell returns the fractional region of column col (of cols) and row row
// (of rows).
func cell(col, row, cols, rows int, source string) Region {
	return Region{X: float64(col) / float64(cols), Y: float64(row) / float64(rows),
		W: 1 / float64(cols), H: 1 / float64(rows), Source: source}
}

func TestCustomSources(t *testing.T) {
	s := sharing(1280, 720, 6, 1, 3) // p1 shares, p3 speaks
	regions := []Region{
		{X: 0, Y: 0, W: 1, H: 1, Z: -1, Source: SourceScreen},
		cell(0, 0, 4, 4, SourceNext),
		cell(1, 0, 4, 4, SourceSpeaker),
		cell(2, 0, 4, 4, "n0"), // by name
		cell(3, 0, 4, 4, SourceNext),
		cell(0, 1, 4, 4, "p4"), // by id
		cell(1, 1, 4, 4, SourceNext),
		cell(2, 1, 4, 4, SourceNext),
		cell(3, 1, 4, 4, "ghost"),
		cell(0, 2, 4, 4, SourceNext),
	}
	if err := ValidateRegions(regions, s.Width, s.Height); err != nil {
		t.Fatal(err)
	}
	tiles := Custom(regions).Tiles(s)
	checkTiles(t, s, tiles)
	// next: p0 is named, p3 speaks, p4 is named: p1 (the presenter's
	// camera), p2, p5, then nobody is left.
	want := []Tile{
		{Participant: "p1", Screen: true, Rect: Rect{0, 0, 1280, 720}, Z: -1, Fit: FitContain},
		{Participant: "p1", Rect: Rect{0, 0, 320, 180}, Fit: FitContain},
		{Participant: "p3", Rect: Rect{320, 0, 320, 180}, Fit: FitContain},
		{Participant: "p0", Rect: Rect{640, 0, 320, 180}, Fit: FitContain},
		{Participant: "p2", Rect: Rect{960, 0, 320, 180}, Fit: FitContain},
		{Participant: "p4", Rect: Rect{0, 180, 320, 180}, Fit: FitContain},
		{Participant: "p5", Rect: Rect{320, 180, 320, 180}, Fit: FitContain},
	}
	if !slices.Equal(tiles, want) {
		t.Errorf("got  %+v\nwant %+v", tiles, want)
	}
}

func TestCustomWithoutSpeakerOrScreen(t *testing.T) {
	s := room(1280, 720, 3)
	s.Participants[0].Camera = false
	regions := []Region{cell(0, 0, 2, 1, SourceScreen), cell(1, 0, 2, 1, SourceSpeaker)}
	got := Custom(regions).Tiles(s)
	want := []Tile{{Participant: "p1", Rect: Rect{640, 0, 640, 720}, Fit: FitContain}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want the first with a camera and no screen %+v", got, want)
	}
}

func TestCustomRects(t *testing.T) {
	for _, c := range []struct {
		name string
		r    Region
		w, h int
		want Rect
	}{
		{"pixels", Region{X: 100, Y: 50, W: 300, H: 200}, 1280, 720, Rect{100, 50, 300, 200}},
		{"odd pixels round to even edges", Region{X: 101, Y: 51, W: 301, H: 199}, 1280, 720, Rect{102, 52, 300, 198}},
		{"fractions", Region{X: 0.25, Y: 0.5, W: 0.5, H: 0.5}, 1280, 720, Rect{320, 360, 640, 360}},
		{"thirds", Region{X: 1.0 / 3, Y: 0, W: 1.0 / 3, H: 1}, 1280, 720, Rect{426, 0, 428, 720}},
		{"clamped to a smaller canvas", Region{X: 1000, Y: 600, W: 280, H: 120}, 1100, 650, Rect{1000, 600, 100, 50}},
		{"half off the canvas", Region{X: -100, Y: -100, W: 200, H: 200}, 1280, 720, Rect{0, 0, 100, 100}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.Source = "p0"
			s := room(c.w, c.h, 1)
			got := Custom([]Region{c.r}).Tiles(s)
			if len(got) != 1 || got[0].Rect != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	s := room(1280, 720, 1)
	for _, r := range []Region{
		{X: 2000, Y: 0, W: 100, H: 100, Source: "p0"}, // off the canvas
		{X: 0, Y: 0, W: 0.0005, H: 1, Source: "p0"},   // under 2 pixels
	} {
		if got := Custom([]Region{r}).Tiles(s); len(got) != 0 {
			t.Errorf("%+v: %+v, want no tile", r, got)
		}
	}
}

func TestCustomOrderAndFit(t *testing.T) {
	regions := []Region{
		{X: 0, Y: 0, W: 1, H: 1, Z: 2, Source: "p0", Fit: FitCover},
		{X: 0, Y: 0, W: 0.5, H: 1, Z: 1, Source: "p1"},
		{X: 0.5, Y: 0, W: 0.5, H: 1, Z: 1, Source: "p2", Fit: FitContain},
		{X: 0, Y: 0, W: 1, H: 1, Z: -5, Source: "p3"},
	}
	l := Custom(regions)
	regions[0].Source = "p4" // Custom keeps its own copy
	got := l.Tiles(room(1280, 720, 5))
	if want := []string{"p3", "p1", "p2", "p0"}; !slices.Equal(ids(got), want) {
		t.Errorf("order %v, want %v", ids(got), want)
	}
	for _, tl := range got {
		if want := map[string]Fit{"p0": FitCover}[tl.Participant]; tl.Fit != fitOr(want, FitContain) {
			t.Errorf("%s: fit %q", tl.Participant, tl.Fit)
		}
	}
}

func TestCustomAtMostMaxTiles(t *testing.T) {
	regions := make([]Region, 30)
	for i := range regions {
		regions[i] = Region{X: 0, Y: 0, W: 1, H: 1, Z: i, Source: SourceNext}
	}
	if got := Custom(regions).Tiles(room(1280, 720, 30)); len(got) != MaxTiles {
		t.Errorf("%d tiles, want %d", len(got), MaxTiles)
	}
}

func TestRegionJSON(t *testing.T) {
	var r Region
	in := `{"x":0.5,"y":0,"w":0.5,"h":1,"z":2,"source":"speaker","fit":"cover"}`
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if want := (Region{X: 0.5, W: 0.5, H: 1, Z: 2, Source: SourceSpeaker, Fit: FitCover}); r != want {
		t.Errorf("decoded %+v, want %+v", r, want)
	}
	out, err := json.Marshal(Region{X: 10, Y: 20, W: 300, H: 200, Source: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"x":10,"y":20,"w":300,"h":200,"source":"alice"}`; string(out) != want {
		t.Errorf("encoded %s, want %s", out, want)
	}
}
