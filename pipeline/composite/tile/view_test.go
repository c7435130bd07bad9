package tile

import (
	"errors"
	"reflect"
	"testing"
)

// TestViewValidate: each invalid view names its field; the valid ones
// pass.
func TestViewValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     View
		field string // "" when valid
	}{
		{"grid", View{Mode: ModeGrid, Fit: FitCover}, ""},
		{"speaker alone", View{Mode: ModeSpeaker}, ""},
		{"presentation", View{Mode: ModePresentation, MaxCameras: MaxTiles - 1}, ""},
		{"single", View{Mode: ModeSingle, Participant: "ann"}, ""},
		{"custom", View{Mode: ModeCustom, Regions: []Region{{W: 1, H: 1, Source: SourceSpeaker}}}, ""},
		{"unknown mode", View{Mode: "mosaic"}, "layout"},
		{"no mode", View{}, "layout"},
		{"unknown fit", View{Mode: ModeGrid, Fit: "stretch"}, "fit"},
		{"single without participant", View{Mode: ModeSingle}, "participant"},
		{"too many cameras", View{Mode: ModePresentation, MaxCameras: MaxTiles}, "max_cameras"},
		{"negative cameras", View{Mode: ModePresentation, MaxCameras: -1}, "max_cameras"},
		{"custom without regions", View{Mode: ModeCustom}, "regions"},
		{"region off the canvas", View{Mode: ModeCustom, Regions: []Region{{X: 1000, W: 400, H: 300, Source: SourceNext}}}, "regions[0].w"},
	} {
		err := tc.v.Validate(1280, 720)
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%s: %v, want a *FieldError naming %s", tc.name, err, tc.field)
		}
	}
}

// TestViewLayout: each mode gives its layout with the view's options.
func TestViewLayout(t *testing.T) {
	regions := []Region{{W: 1, H: 1, Source: SourceSpeaker}}
	for _, tc := range []struct {
		v    View
		want Layout
	}{
		{View{Mode: ModeGrid, Fit: FitCover}, Grid(GridOptions{Fit: FitCover})},
		{View{Mode: ModeSpeaker, Thumbnails: true}, Speaker(SpeakerOptions{Thumbnails: true})},
		{View{Mode: ModePresentation, MaxCameras: 2}, Presentation(PresentationOptions{MaxCameras: 2})},
		{View{Mode: ModeSingle, Participant: "ann"}, Single("ann")},
		{View{Mode: ModeCustom, Regions: regions}, Custom(regions)},
	} {
		if got := tc.v.Layout(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: layout %#v, want %#v", tc.v, got, tc.want)
		}
	}
}
