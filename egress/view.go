package egress

import (
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// View is the compositor's view of the layout.
func (l LayoutSpec) View() composite.View {
	mode := l.Layout
	if mode == "" {
		mode = LayoutSpeaker
	}
	return composite.View{
		Mode: mode, Participant: l.Participant, Fit: tile.Fit(l.Fit),
		Thumbnails: l.ShowThumbnails(), MaxCameras: l.MaxCameras, Regions: l.Regions,
	}
}

// PlaceholderAfter is the stall time before a tile shows its placeholder
// (0: the compositor's default).
func (l LayoutSpec) PlaceholderAfter() time.Duration {
	return time.Duration(l.PlaceholderAfterSeconds * float64(time.Second))
}

// canvasConfigs are the compositor's renditions of the spec's canvases.
func (s Spec) canvasConfigs() []composite.CanvasConfig {
	var out []composite.CanvasConfig
	for _, c := range s.Canvases {
		cc := composite.CanvasConfig{Name: c.Name, Width: c.Width, Height: c.Height, VideoKbps: c.BitrateKbps, Background: c.Background}
		if c.Layout != "" {
			v := c.View()
			cc.View = &v
		}
		out = append(out, cc)
	}
	return out
}
