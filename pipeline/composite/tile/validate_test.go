package tile

import (
	"errors"
	"math"
	"testing"
)

func TestValidateRegions(t *testing.T) {
	ok := Region{X: 0, Y: 0, W: 0.5, H: 0.5, Source: "alice"}
	with := func(edit func(r *Region)) []Region {
		r := ok
		edit(&r)
		return []Region{ok, {X: 0.5, Y: 0.5, W: 0.5, H: 0.5, Source: SourceNext}, r}
	}
	many := make([]Region, MaxTiles+1)
	for i := range many {
		many[i] = Region{X: 0, Y: 0, W: 1, H: 1, Z: i, Source: SourceNext}
	}
	for _, c := range []struct {
		name    string
		regions []Region
		w, h    int
		field   string // "" when valid
	}{
		{"valid", with(func(r *Region) { r.Y = 0.5; r.Fit = FitCover }), 1280, 720, ""},
		{"valid pixels", []Region{{X: 0, Y: 0, W: 1280, H: 720, Source: "a"}, {X: 960, Y: 540, W: 320, H: 180, Z: 1, Source: "b"}}, 1280, 720, ""},
		{"touching edges", []Region{cell(0, 0, 3, 1, "a"), cell(1, 0, 3, 1, "b"), cell(2, 0, 3, 1, "c")}, 1280, 720, ""},
		{"the most regions", many[:MaxTiles], 1280, 720, ""},
		{"no canvas width", []Region{ok}, 0, 720, "width"},
		{"canvas height of 1", []Region{ok}, 1280, 1, "height"},
		{"no regions", nil, 1280, 720, "regions"},
		{"too many regions", many, 1280, 720, "regions"},
		{"negative x", with(func(r *Region) { r.X = -0.1 }), 1280, 720, "regions[2].x"},
		{"negative y", with(func(r *Region) { r.Y = -5 }), 1280, 720, "regions[2].y"},
		{"zero width", with(func(r *Region) { r.W = 0 }), 1280, 720, "regions[2].w"},
		{"negative height", with(func(r *Region) { r.H = -0.5 }), 1280, 720, "regions[2].h"},
		{"NaN x", with(func(r *Region) { r.X = math.NaN() }), 1280, 720, "regions[2].x"},
		{"infinite h", with(func(r *Region) { r.H = math.Inf(1) }), 1280, 720, "regions[2].h"},
		{"past the right edge", with(func(r *Region) { r.X = 0.75 }), 1280, 720, "regions[2].w"},
		{"past the bottom in pixels", with(func(r *Region) { *r = Region{X: 0, Y: 600, W: 100, H: 200, Source: "a"} }), 1280, 720, "regions[2].h"},
		{"starts off the canvas", with(func(r *Region) { *r = Region{X: 1300, Y: 0, W: 100, H: 100, Source: "a"} }), 1280, 720, "regions[2].w"},
		{"under 2 pixels", with(func(r *Region) { r.W = 0.0005 }), 1280, 720, "regions[2].w"},
		{"empty source", with(func(r *Region) { r.Source = "" }), 1280, 720, "regions[2].source"},
		{"blank source", with(func(r *Region) { r.Source = "  " }), 1280, 720, "regions[2].source"},
		{"unknown fit", with(func(r *Region) { r.Fit = "stretch" }), 1280, 720, "regions[2].fit"},
		{"overlap, same z", with(func(r *Region) { r.X = 0.25 }), 1280, 720, "regions[2].z"},
		{"overlap, other z", with(func(r *Region) { r.X = 0.25; r.Z = 1 }), 1280, 720, ""},
		{"overlap after the first", []Region{ok, cell(1, 1, 2, 2, "b"), {X: 0.6, Y: 0.6, W: 0.1, H: 0.1, Source: "c"}}, 1280, 720, "regions[2].z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateRegions(c.regions, c.w, c.h)
			if c.field == "" {
				if err != nil {
					t.Fatalf("valid regions refused: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Reason == "" {
				t.Fatalf("error %v, want a *FieldError on %s", err, c.field)
			}
			if err.Error() != fe.Field+": "+fe.Reason {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestValidateOverlapReason(t *testing.T) {
	regions := []Region{cell(0, 0, 1, 1, "a"), {X: 10, Y: 10, W: 100, H: 100, Source: "b"}}
	err := ValidateRegions(regions, 1280, 720)
	if want := "regions[1].z: overlaps regions[0] with the same z; give them different z"; err == nil || err.Error() != want {
		t.Errorf("%v, want %s", err, want)
	}
}
