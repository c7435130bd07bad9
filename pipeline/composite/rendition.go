package composite

import (
	"fmt"
	"sync/atomic"

	"github.com/roomcast/roomcast/pipeline/composite/overlay"
)

// MainCanvas names the job's own canvas.
const MainCanvas = "main"

// CanvasConfig is one more picture of the same room, a rendition: say a
// 9:16 canvas for a vertical platform beside the 16:9 main one. Every
// canvas is composed and encoded once, from the same decoded sources, at
// the job's frame rate and keyframe interval.
type CanvasConfig struct {
	Name          string
	Width, Height int
	VideoKbps     int
	Background    string // "" takes the main canvas's
	// View, when set, is this canvas's own layout; nil follows the job's
	// (and its live changes).
	View *View
}

// CanvasTrackID names the encoded video track of a canvas: "video" for
// the main one, "video@<name>" for a rendition.
func CanvasTrackID(name string) string {
	if name == "" || name == MainCanvas {
		return "video"
	}
	return "video@" + name
}

// CanvasStats reports one canvas.
type CanvasStats struct {
	Name          string
	Width, Height int
	Frames        uint64 // frames composed and encoded (0 while passing through)
}

// canvasStats is a canvas's configuration and counters; its view is
// guarded by Layout.mu.
type canvasStats struct {
	cfg       CanvasConfig
	view      *View
	frames    atomic.Uint64
	unchanged atomic.Uint64 // frames whose picture did not change
	dropped   atomic.Uint64 // units dropped to keep time monotonic
	encode    timings       // compose + encode time per frame
	keyWanted atomic.Bool   // the next composed frame is to be an IDR
	keyAsked  atomic.Int64  // unix nanos of the last keyframe request taken
}

// validate checks a rendition against the main canvas.
func (c CanvasConfig) validate() error {
	switch {
	case c.Name == "" || c.Name == MainCanvas:
		return fmt.Errorf("canvas name %q: want a name other than %q", c.Name, MainCanvas)
	case c.Width < 16 || c.Height < 16 || c.Width%2 != 0 || c.Height%2 != 0 || max(c.Width, c.Height) > 1920 || min(c.Width, c.Height) > 1080:
		return fmt.Errorf("canvas %s: %dx%d: want even sizes within 1920x1080 or 1080x1920", c.Name, c.Width, c.Height)
	case c.VideoKbps < 0:
		return fmt.Errorf("canvas %s: bitrate %d", c.Name, c.VideoKbps)
	}
	if _, err := overlay.ParseColor(c.Background); err != nil {
		return fmt.Errorf("canvas %s background: %w", c.Name, err)
	}
	if c.View != nil {
		if err := c.View.Validate(c.Width, c.Height); err != nil {
			return fmt.Errorf("canvas %s: %w", c.Name, err)
		}
	}
	return nil
}

// canvasList is the main canvas and the renditions, with defaults.
func (c LayoutConfig) canvasList() []*canvasStats {
	out := []*canvasStats{{cfg: CanvasConfig{Name: MainCanvas, Width: c.Width, Height: c.Height, VideoKbps: c.VideoKbps, Background: c.Background}}}
	for _, r := range c.Canvases {
		if r.VideoKbps == 0 {
			r.VideoKbps = c.VideoKbps
		}
		if r.Background == "" {
			r.Background = c.Background
		}
		out = append(out, &canvasStats{cfg: r, view: r.View})
	}
	return out
}

// Canvases reports every canvas, the main one first.
func (l *Layout) Canvases() []CanvasStats {
	out := make([]CanvasStats, len(l.canvases))
	for i, c := range l.canvases {
		out[i] = CanvasStats{Name: c.cfg.Name, Width: c.cfg.Width, Height: c.cfg.Height, Frames: c.frames.Load()}
	}
	return out
}
