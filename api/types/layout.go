package types

import (
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// View is the layout as the compositor takes it (composite.View is
// tile.View), and as Validate checks it.
func (l LayoutSpec) View() tile.View {
	mode := l.Layout
	if mode == "" {
		mode = LayoutSpeaker
	}
	return tile.View{
		Mode: mode, Participant: l.Participant, Fit: tile.Fit(l.Fit),
		Thumbnails: l.ShowThumbnails(), MaxCameras: l.MaxCameras, Regions: l.Regions,
	}
}

// PlaceholderAfter is the stall time before a tile shows its placeholder
// (0: the compositor's default).
func (l LayoutSpec) PlaceholderAfter() time.Duration {
	return time.Duration(l.PlaceholderAfterSeconds * float64(time.Second))
}
