package composite

import (
	"fmt"
	"time"
)

// Mixer defaults.
const (
	// DefaultBlockFrames is one AAC-LC frame.
	DefaultBlockFrames = 1024
	DefaultReanchor    = 40 * time.Millisecond
	DefaultMaxAhead    = 5 * time.Second
)

// MixerConfig tunes a Mixer. A zero field takes its default.
type MixerConfig struct {
	// BlockFrames is the number of frames of each output block.
	// Default 1024 (one AAC frame).
	BlockFrames int
	// Start, when set, is the PTS of the first output block. When nil,
	// the output starts at the PTS of the first Push.
	Start *time.Duration
	// Reanchor is how far a participant's PTS may stray from the end of
	// its previous block before its samples are placed at their PTS again
	// (inserting silence or dropping the overlap). Below it the samples
	// are taken as contiguous, so jitter does not click. Default 40 ms.
	Reanchor time.Duration
	// MaxAhead is how far past the next output sample a participant may
	// buffer; the excess is dropped. It bounds memory to about
	// MaxAhead × 384 kB/s per participant. Default 5 s.
	MaxAhead time.Duration
}

// withDefaults returns c with its zero fields set to the defaults.
func (c MixerConfig) withDefaults() MixerConfig {
	setDefault(&c.BlockFrames, DefaultBlockFrames)
	setDefault(&c.Reanchor, DefaultReanchor)
	setDefault(&c.MaxAhead, DefaultMaxAhead)
	return c
}

// Validate reports the first field out of range.
func (c MixerConfig) Validate() error {
	switch {
	case c.BlockFrames < 0 || c.BlockFrames > SampleRate:
		return fmt.Errorf("mixer config: BlockFrames %d is outside [1, %d]", c.BlockFrames, SampleRate)
	case c.Reanchor < 0:
		return fmt.Errorf("mixer config: Reanchor %v is negative", c.Reanchor)
	case c.MaxAhead < 0 || c.MaxAhead > time.Minute:
		return fmt.Errorf("mixer config: MaxAhead %v is outside [0, 1m]", c.MaxAhead)
	}
	return nil
}
