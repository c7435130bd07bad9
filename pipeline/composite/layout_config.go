package composite

import (
	"fmt"
	"log/slog"
	"time"
)

// Layout modes.
const (
	ModeSpeaker = "speaker" // the active speaker's video
	ModeSingle  = "single"  // one named participant's video
)

// LayoutConfig configures a Layout. A zero field takes its default.
type LayoutConfig struct {
	Mode        string
	Participant string // participant name, for ModeSingle
	// Encoded video: size, frame rate, CBR bitrate and keyframe interval.
	Width, Height, FPS, VideoKbps int
	KeyframeInterval              time.Duration
	AudioKbps                     int
	// Latency is how far the output runs behind the newest input, so that
	// late tracks and jitter are absorbed. Default 500 ms.
	Latency time.Duration
	// NoPassthrough forces re-encoding even when the chosen video is
	// H.264 and could pass through untouched.
	NoPassthrough bool
	// RequestKeyframe asks the source for a keyframe of a track (a PLI),
	// used when the layout switches to another participant's video.
	RequestKeyframe func(trackID string)
	Speaker         SpeakerConfig
	Logger          *slog.Logger
	Now             func() time.Time
}

func (c LayoutConfig) withDefaults() LayoutConfig {
	if c.Mode == "" {
		c.Mode = ModeSpeaker
	}
	setDefault(&c.Width, 1280)
	setDefault(&c.Height, 720)
	setDefault(&c.FPS, 30)
	setDefault(&c.VideoKbps, 2500)
	setDefault(&c.KeyframeInterval, 2*time.Second)
	setDefault(&c.AudioKbps, 128)
	setDefault(&c.Latency, 500*time.Millisecond)
	if c.RequestKeyframe == nil {
		c.RequestKeyframe = func(string) {}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports the first invalid field.
func (c LayoutConfig) Validate() error {
	switch {
	case c.Mode != ModeSpeaker && c.Mode != ModeSingle:
		return fmt.Errorf("layout mode %q: want speaker or single", c.Mode)
	case c.Mode == ModeSingle && c.Participant == "":
		return fmt.Errorf("layout single: participant is required")
	case c.FPS < 1 || c.FPS > 60:
		return fmt.Errorf("layout fps %d: want 1..60", c.FPS)
	}
	return nil
}
