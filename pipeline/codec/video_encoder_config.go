package codec

import (
	"fmt"
	"slices"
	"time"
)

// Video encoder defaults.
const (
	DefaultKeyframeInterval = 2 * time.Second
	DefaultPreset           = "veryfast"
	DefaultEncoderThreads   = 2
)

// x264Presets are the presets libx264 knows, fastest first.
var x264Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// VideoEncoderConfig configures a VideoEncoder.
type VideoEncoderConfig struct {
	TrackID       string // ID of the encoded track
	Width, Height int    // even; input frames must have this size
	FPS           int    // nominal frame rate of the input
	BitrateKbps   int    // CBR target; also the VBV max rate and buffer (1 s)
	// KeyframeInterval between IDR frames; DefaultKeyframeInterval if 0.
	KeyframeInterval time.Duration
	BFrames          int    // consecutive B-frames; 0 (the default) for RTMP
	Preset           string // x264 preset; DefaultPreset if empty
	Threads          int    // encoder threads; DefaultEncoderThreads if 0
}

// withDefaults returns c with its zero fields defaulted.
func (c VideoEncoderConfig) withDefaults() VideoEncoderConfig {
	if c.KeyframeInterval == 0 {
		c.KeyframeInterval = DefaultKeyframeInterval
	}
	if c.Preset == "" {
		c.Preset = DefaultPreset
	}
	if c.Threads == 0 {
		c.Threads = DefaultEncoderThreads
	}
	return c
}

// Validate reports the first invalid field, naming it.
func (c VideoEncoderConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Width <= 0 || c.Height <= 0 || c.Width%2 != 0 || c.Height%2 != 0 || c.Width > maxDimension || c.Height > maxDimension:
		return fmt.Errorf("%w: Width and Height %dx%d must be even, in 2..%d", ErrInvalidConfig, c.Width, c.Height, maxDimension)
	case c.FPS <= 0 || c.FPS > 240:
		return fmt.Errorf("%w: FPS %d must be in 1..240", ErrInvalidConfig, c.FPS)
	case c.BitrateKbps <= 0 || c.BitrateKbps > 200_000:
		return fmt.Errorf("%w: BitrateKbps %d must be in 1..200000", ErrInvalidConfig, c.BitrateKbps)
	case c.KeyframeInterval < time.Second/time.Duration(c.FPS) || c.KeyframeInterval > time.Minute:
		return fmt.Errorf("%w: KeyframeInterval %s must be between one frame and 1m", ErrInvalidConfig, c.KeyframeInterval)
	case c.BFrames < 0 || c.BFrames > 16:
		return fmt.Errorf("%w: BFrames %d must be in 0..16", ErrInvalidConfig, c.BFrames)
	case !slices.Contains(x264Presets, c.Preset):
		return fmt.Errorf("%w: Preset %q is not an x264 preset", ErrInvalidConfig, c.Preset)
	case c.Threads < 0 || c.Threads > 64:
		return fmt.Errorf("%w: Threads %d must be in 0..64", ErrInvalidConfig, c.Threads)
	}
	return nil
}

// keyint is the number of frames between keyframes.
func (c VideoEncoderConfig) keyint() int {
	return newKeyframeClock(c.KeyframeInterval, c.FPS).keyint
}
