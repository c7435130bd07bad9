package codec

import (
	"fmt"
	"sync"
)

// Resampler converts AudioFrames of any rate and channel count to one
// rate and channel count (libswresample; channels are up- or down-mixed
// with the default layouts, mono to both channels at its level). Its
// context is rebuilt only when the input format changes.
type Resampler struct {
	mu     sync.Mutex
	swr    swr
	closed bool
}

// NewResampler returns a Resampler to rate Hz with channels, such as
// SampleRate and Channels for AudioEncoder.
func NewResampler(rate, channels int) (*Resampler, error) {
	if rate < 1000 || rate > 384000 || channels < 1 || channels > 8 {
		return nil, fmt.Errorf("new resampler %d Hz %d ch: %w", rate, channels, ErrInvalidConfig)
	}
	return &Resampler{swr: swr{outRate: rate, outChannels: channels}}, nil
}

// Resample converts f. Rate conversion holds back a few samples, so the
// output may be a little shorter than the input, and its PTS is earlier by
// what was held back; nothing is lost while the input format stays the
// same. The result may be empty, never nil.
func (r *Resampler) Resample(f *AudioFrame) (*AudioFrame, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("resample: %w", ErrClosed)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("resample: %w", err)
	}
	held := r.heldBack(f.SampleRate, f.Channels)
	pcm, err := r.swr.convert(f.Samples, f.SampleRate, f.Channels)
	if err != nil {
		return nil, fmt.Errorf("resample: %w", err)
	}
	return &AudioFrame{
		PTS:        f.PTS - samplesToDuration(held, r.swr.outRate),
		SampleRate: r.swr.outRate,
		Channels:   r.swr.outChannels,
		Samples:    pcm,
	}, nil
}

// heldBack is the number of output samples the context holds for an input
// of rate and channels: 0 if it is about to be rebuilt.
func (r *Resampler) heldBack(rate, channels int) int64 {
	in := r.swr.in
	if r.swr.c == nil || in.rate != rate || in.channels != channels {
		return 0
	}
	return r.swr.delay()
}

// Close frees the Resampler. It is idempotent.
func (r *Resampler) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.swr.free()
}
