package egress

import "github.com/roomcast/roomcast/pipeline/composite"

// canvasConfigs are the compositor's renditions of the spec's canvases.
func canvasConfigs(s Spec) []composite.CanvasConfig {
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
