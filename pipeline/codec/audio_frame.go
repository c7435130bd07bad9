package codec

import (
	"fmt"
	"time"
)

// Audio format of the pipeline: what AudioDecoder returns, what the mix
// works on and what AudioEncoder takes.
const (
	SampleRate = 48000
	Channels   = 2
)

// AudioFrame is PCM in Go memory: interleaved float32 samples in
// [-1, 1], Channels per sample frame. A frame owns its samples.
type AudioFrame struct {
	PTS        time.Duration // of the first sample
	SampleRate int           // Hz
	Channels   int
	Samples    []float32 // interleaved; len is a multiple of Channels
}

// Len is the number of samples per channel.
func (f *AudioFrame) Len() int {
	if f.Channels <= 0 {
		return 0
	}
	return len(f.Samples) / f.Channels
}

// Duration is the time the frame lasts.
func (f *AudioFrame) Duration() time.Duration {
	return samplesToDuration(int64(f.Len()), f.SampleRate)
}

// Validate reports whether the frame is usable PCM.
func (f *AudioFrame) Validate() error {
	switch {
	case f == nil:
		return fmt.Errorf("%w: nil audio frame", ErrInvalidInput)
	case f.SampleRate < 1000 || f.SampleRate > 384000:
		return fmt.Errorf("%w: sample rate %d", ErrInvalidInput, f.SampleRate)
	case f.Channels < 1 || f.Channels > 8:
		return fmt.Errorf("%w: %d channels", ErrInvalidInput, f.Channels)
	case len(f.Samples)%f.Channels != 0:
		return fmt.Errorf("%w: %d samples is not a multiple of %d channels", ErrInvalidInput, len(f.Samples), f.Channels)
	}
	return nil
}

// samplesToDuration converts a sample count at rate to a duration without
// overflowing for long streams.
func samplesToDuration(n int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(n/r)*time.Second + time.Duration(n%r)*time.Second/time.Duration(r)
}
