package composite

import (
	"fmt"
	"slices"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// Layout modes.
const (
	ModeSpeaker      = "speaker"      // the active speaker large, the others as thumbnails (or alone)
	ModeSingle       = "single"       // one named participant's video
	ModeGrid         = "grid"         // everyone in a grid
	ModePresentation = "presentation" // a shared screen on the stage, cameras in a strip
	ModeCustom       = "custom"       // the request's own regions
)

// Modes lists the layout modes.
var Modes = []string{ModeGrid, ModeSpeaker, ModePresentation, ModeSingle, ModeCustom}

// View is what the picture shows: a layout and its options. A job's view
// can change while it runs (Layout.SetView) without restarting anything.
type View struct {
	Mode        string
	Participant string   // participant name, for ModeSingle
	Fit         tile.Fit // how pictures fill grid tiles and the stage
	// Thumbnails shows the others as a strip next to the active speaker
	// (ModeSpeaker); false shows the speaker alone, full frame.
	Thumbnails bool
	MaxCameras int           // cameras in the presentation strip (default 4)
	Regions    []tile.Region // ModeCustom
}

// Validate reports the first invalid field of v on a width×height canvas,
// as a *tile.FieldError naming it.
func (v View) Validate(width, height int) error {
	if !slices.Contains(Modes, v.Mode) {
		return &tile.FieldError{Field: "layout", Reason: fmt.Sprintf("unknown layout %q (want grid, speaker, presentation, single or custom)", v.Mode)}
	}
	if v.Fit != "" && v.Fit != tile.FitContain && v.Fit != tile.FitCover {
		return &tile.FieldError{Field: "fit", Reason: fmt.Sprintf("unknown fit %q (want contain or cover)", v.Fit)}
	}
	if v.Mode == ModeSingle && v.Participant == "" {
		return &tile.FieldError{Field: "participant", Reason: `required with layout "single"`}
	}
	if v.MaxCameras < 0 || v.MaxCameras > tile.MaxTiles-1 {
		return &tile.FieldError{Field: "max_cameras", Reason: fmt.Sprintf("must be between 0 and %d", tile.MaxTiles-1)}
	}
	if v.Mode == ModeCustom {
		return tile.ValidateRegions(v.Regions, width, height)
	}
	return nil
}

// layout returns the tile layout of v.
func (v View) layout() tile.Layout {
	switch v.Mode {
	case ModeGrid:
		return tile.Grid(tile.GridOptions{Fit: v.Fit})
	case ModePresentation:
		return tile.Presentation(tile.PresentationOptions{MaxCameras: v.MaxCameras, Fit: v.Fit})
	case ModeSingle:
		return tile.Single(v.Participant)
	case ModeCustom:
		return tile.Custom(v.Regions)
	}
	return tile.Speaker(tile.SpeakerOptions{Thumbnails: v.Thumbnails, Fit: v.Fit})
}

// mayPassThrough reports whether the view can send a participant's H.264
// untouched: when it shows one participant alone.
func (v View) mayPassThrough() bool {
	return v.Mode == ModeSingle || v.Mode == ModeSpeaker
}
