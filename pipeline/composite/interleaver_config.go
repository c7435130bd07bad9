package composite

import (
	"fmt"
	"time"
)

// DefaultMaxWait is how long an Interleaver waits for a silent track.
const DefaultMaxWait = 500 * time.Millisecond

// InterleaverConfig tunes an Interleaver. A zero field takes its default.
type InterleaverConfig struct {
	// MaxWait is how far the other tracks' DTS may run ahead of a track
	// that pushes nothing before that track stops holding them back.
	// Default 500 ms.
	MaxWait time.Duration
}

// withDefaults returns c with its zero fields set to the defaults.
func (c InterleaverConfig) withDefaults() InterleaverConfig {
	setDefault(&c.MaxWait, DefaultMaxWait)
	return c
}

// Validate reports the first field out of range.
func (c InterleaverConfig) Validate() error {
	if c.MaxWait < 0 {
		return fmt.Errorf("interleaver config: MaxWait %v is negative", c.MaxWait)
	}
	return nil
}
