package composite

import "github.com/roomcast/roomcast/pipeline/composite/tile"

// Layout modes (defined in tile, with View, so that checking a request
// needs no codec).
const (
	ModeSpeaker      = tile.ModeSpeaker
	ModeSingle       = tile.ModeSingle
	ModeGrid         = tile.ModeGrid
	ModePresentation = tile.ModePresentation
	ModeCustom       = tile.ModeCustom
)

// Modes lists the layout modes.
var Modes = tile.Modes

// View is what the picture shows: a layout and its options (tile.View).
// A job's view can change while it runs (Layout.SetView) without
// restarting anything.
type View = tile.View

// mayPassThrough reports whether the view can send a participant's H.264
// untouched: when it shows one participant alone.
func mayPassThrough(v View) bool {
	return v.Mode == ModeSingle || v.Mode == ModeSpeaker
}
