package composite

import (
	"fmt"
	"time"
)

// Speaker selection defaults.
const (
	DefaultSpeakerSmoothing   = 300 * time.Millisecond
	DefaultSpeakerSilenceDBFS = -50.0
	DefaultSpeakerMarginDB    = 6.0
	DefaultSpeakerHold        = 1500 * time.Millisecond
	DefaultSpeakerMinTenure   = 2 * time.Second
	DefaultSpeakerBlock       = 20 * time.Millisecond
	DefaultSpeakerStale       = 100 * time.Millisecond
)

// SpeakerConfig tunes a SpeakerSelector. A zero field takes its default.
// All durations are PTS time.
type SpeakerConfig struct {
	// Smoothing is the time constant of the exponential moving average of
	// each participant's level, in dB. Default 300 ms.
	Smoothing time.Duration
	// SilenceDBFS is the smoothed level below which a participant cannot
	// take the floor. Default −50 dBFS.
	SilenceDBFS float64
	// MarginDB is how much louder than the current speaker (both smoothed)
	// a challenger must be. Default 6 dB.
	MarginDB float64
	// Hold is how long a challenger must stay loud enough, without a
	// break, to take the floor. Default 1.5 s.
	Hold time.Duration
	// MinTenure is the least time a speaker who took the floor by speaking
	// keeps it. Default 2 s.
	MinTenure time.Duration
	// Block is the duration one observed level stands for: each Observe
	// covers [pts, pts+Block). Default 20 ms.
	Block time.Duration
	// Stale is how long a participant may send no level before it counts
	// as silent (Opus DTX, mute, a stalled track): past Stale its level
	// decays towards silence. Default 100 ms.
	Stale time.Duration
}

// withDefaults returns c with its zero fields set to the defaults.
func (c SpeakerConfig) withDefaults() SpeakerConfig {
	setDefault(&c.Smoothing, DefaultSpeakerSmoothing)
	setDefault(&c.SilenceDBFS, DefaultSpeakerSilenceDBFS)
	setDefault(&c.MarginDB, DefaultSpeakerMarginDB)
	setDefault(&c.Hold, DefaultSpeakerHold)
	setDefault(&c.MinTenure, DefaultSpeakerMinTenure)
	setDefault(&c.Block, DefaultSpeakerBlock)
	setDefault(&c.Stale, DefaultSpeakerStale)
	return c
}

// Validate reports the first field out of range.
func (c SpeakerConfig) Validate() error {
	switch {
	case c.Smoothing < 0:
		return fmt.Errorf("speaker config: Smoothing %v is negative", c.Smoothing)
	case c.SilenceDBFS < SilenceDBFS || c.SilenceDBFS > 0:
		return fmt.Errorf("speaker config: SilenceDBFS %v is outside [%v, 0]", c.SilenceDBFS, SilenceDBFS)
	case c.MarginDB < 0:
		return fmt.Errorf("speaker config: MarginDB %v is negative", c.MarginDB)
	case c.Hold < 0:
		return fmt.Errorf("speaker config: Hold %v is negative", c.Hold)
	case c.MinTenure < 0:
		return fmt.Errorf("speaker config: MinTenure %v is negative", c.MinTenure)
	case c.Block < 0:
		return fmt.Errorf("speaker config: Block %v is negative", c.Block)
	case c.Stale < 0:
		return fmt.Errorf("speaker config: Stale %v is negative", c.Stale)
	}
	return nil
}

// setDefault sets *v to def when it is zero.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
