package tile

import (
	"fmt"
	"slices"
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
// can change while it runs (composite.Layout.SetView) without restarting
// anything. It is pure data, so the API can check a request's layout
// without linking the compositor.
type View struct {
	Mode        string
	Participant string // participant name, for ModeSingle
	Fit         Fit    // how pictures fill grid tiles and the stage
	// Thumbnails shows the others as a strip next to the active speaker
	// (ModeSpeaker); false shows the speaker alone, full frame.
	Thumbnails bool
	MaxCameras int      // cameras in the presentation strip (default 4)
	Regions    []Region // ModeCustom
}

// Validate reports the first invalid field of v on a width×height canvas,
// as a *FieldError naming it.
func (v View) Validate(width, height int) error {
	if !slices.Contains(Modes, v.Mode) {
		return fieldError("layout", fmt.Sprintf("unknown layout %q (want grid, speaker, presentation, single or custom)", v.Mode))
	}
	if v.Fit != "" && v.Fit != FitContain && v.Fit != FitCover {
		return fieldError("fit", fmt.Sprintf("unknown fit %q (want contain or cover)", v.Fit))
	}
	if v.Mode == ModeSingle && v.Participant == "" {
		return fieldError("participant", `required with layout "single"`)
	}
	if v.MaxCameras < 0 || v.MaxCameras > MaxTiles-1 {
		return fieldError("max_cameras", fmt.Sprintf("must be between 0 and %d", MaxTiles-1))
	}
	if v.Mode == ModeCustom {
		return ValidateRegions(v.Regions, width, height)
	}
	return nil
}

// Layout returns the tile layout of v (Speaker for an unknown mode; v
// has passed Validate).
func (v View) Layout() Layout {
	switch v.Mode {
	case ModeGrid:
		return Grid(GridOptions{Fit: v.Fit})
	case ModePresentation:
		return Presentation(PresentationOptions{MaxCameras: v.MaxCameras, Fit: v.Fit})
	case ModeSingle:
		return Single(v.Participant)
	case ModeCustom:
		return Custom(v.Regions)
	}
	return Speaker(SpeakerOptions{Thumbnails: v.Thumbnails, Fit: v.Fit})
}
