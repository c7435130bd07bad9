package composite

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/overlay"
)

// DefaultLatency is the most a layout's output runs behind its newest
// input by default: enough for the jitter of publishers on one network,
// a retransmission and a decode under load. Each decoded frame waits up
// to that long (10 participants at 640x360 hold about 2.6 MB per 100 ms),
// so it is also what bounds the memory.
const DefaultLatency = 250 * time.Millisecond

// The least a live layout's output runs behind its newest input (see
// LayoutConfig.Latency): with passed-through video, the time to the
// next input's unit (which steps the output) and some scheduling; while
// composing, also the 10 ms tick and a decode under load.
const (
	PassthroughMinLatency = 30 * time.Millisecond
	ComposeMinLatency     = 150 * time.Millisecond
	// latencyMargin is added to the inputs' measured lateness.
	latencyMargin = 20 * time.Millisecond
	// minInterleaveWait is the least the output's audio waits for a late
	// video unit (and the reverse). Passed-through video leaves as it
	// comes while the audio still goes through the mix and the AAC
	// encoder (about 100 ms behind it): with 100 ms the interleaver took
	// the audio for stalled and dropped most of it as late (an RTMP
	// target of TestEgressTargetKilled got a third of its audio). This is
	// no hold: the interleaver waits that long only for a track that
	// stops, and releases as soon as every track has caught up.
	minInterleaveWait = 300 * time.Millisecond
	// audioOutputDelay bounds how far the encoded audio trails the mix's
	// horizon: the AAC encoder's delay (three frames of 1024 samples at
	// 48 kHz, 64 ms) and one block of the mix. Passed-through video runs
	// ahead of the audio by the output's latency and this: the output's
	// audio waits for a late video unit, and the video for the audio, at
	// least that long plus latencyMargin. Without it the interleaver's
	// wait fell to minInterleaveWait, with the lateness of the inputs first
	// known 5 s in, while the audio still trailed by the first seconds'
	// latency (250 ms) and the encoder's delay: it took the audio for
	// stalled, released the video ahead and dropped 300 ms of audio as
	// late once the latency fell.
	audioOutputDelay = 100 * time.Millisecond
)

// LayoutConfig configures a Layout. A zero field takes its default.
type LayoutConfig struct {
	View // what the picture shows; SetView changes it live
	// Encoded video: size, frame rate, CBR bitrate and keyframe interval.
	Width, Height, FPS, VideoKbps int
	KeyframeInterval              time.Duration
	AudioKbps                     int
	// Canvases are renditions beside the main canvas (Width×Height).
	Canvases []CanvasConfig
	// Background is the canvas colour ("#RRGGBB"), black by default.
	Background string
	// Labels draws each participant's name at the bottom of its tile.
	Labels bool
	// Branding is a background picture, a logo, a title bar and the
	// labels' style; nil: none.
	Branding *Branding
	// PlaceholderAfter is how long a stalled tile holds its last frame
	// before it shows the participant's placeholder. Default 3 s.
	PlaceholderAfter time.Duration
	// MuteAudio lists participants (names or ids) left out of the mix.
	MuteAudio []string
	// Latency is the most the output runs behind the newest input, so
	// that late tracks and jitter are absorbed. A live layout runs behind
	// by how late its inputs have been coming over the last 5 to 10 s
	// (behind the least delayed unit: network jitter, the ingest's wait
	// for a retransmission) plus 20 ms, at least ComposeMinLatency, at
	// most Latency. Passed-through video leaves as it comes: then only the
	// audio's lateness counts, at least PassthroughMinLatency. For its
	// first 5 s, and in Replay, it runs behind by Latency. Default
	// DefaultLatency.
	Latency time.Duration
	// Start, when set, is the PTS the output starts at, at the earliest:
	// a job's start, when its ingest's PTS 0 is that (source.Config.Epoch).
	// The media a room caches for new subscribers is older, and comes in
	// a burst that makes it look current for a moment: without Start the
	// output would compose from the oldest of it, opening a recording
	// with seconds from before its job over a placeholder. Composed video
	// starts at Start, or at the first media when that is later; passed-
	// through video starts at its keyframe, at or before Start. Audio
	// from before the output's first keyframe is left to the outputs to
	// drop (fanout.Options.Video). Nil: the output starts at the first
	// media.
	Start *time.Duration
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
	setDefault(&c.Latency, DefaultLatency)
	setDefault(&c.PlaceholderAfter, 3*time.Second)
	// A picture switches to a new speaker after 0.8 s of speech (the
	// selector's own default, 1.5 s, is for audio-only use): with the
	// output's hold the stage follows a turn within about 1.1 s.
	setDefault(&c.Speaker.Hold, 800*time.Millisecond)
	if c.Background == "" {
		c.Background = "#000000"
	}
	c.NoPassthrough = c.NoPassthrough || c.Branding.overlays() // passthrough would not show them
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
	case c.FPS < 1 || c.FPS > 60:
		return fmt.Errorf("layout fps %d: want 1..60", c.FPS)
	case c.Width < 16 || c.Height < 16 || c.Width%2 != 0 || c.Height%2 != 0 || c.Width > 1920 || c.Height > 1920:
		return fmt.Errorf("layout canvas %dx%d: want even sizes within 1920x1080 or 1080x1920", c.Width, c.Height)
	}
	if _, err := overlay.ParseColor(c.Background); err != nil {
		return fmt.Errorf("layout background: %w", err)
	}
	if err := c.View.Validate(c.Width, c.Height); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if err := c.Branding.validate(); err != nil {
		return err
	}
	names := map[string]bool{}
	for _, r := range c.Canvases {
		if names[r.Name] {
			return fmt.Errorf("canvas name %q used twice", r.Name)
		}
		names[r.Name] = true
		if r.Background == "" {
			r.Background = c.Background
		}
		if err := r.validate(); err != nil {
			return err
		}
	}
	return nil
}
