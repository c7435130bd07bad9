package composite

import (
	"math"
	"time"
)

// SilenceDBFS is the level Level reports for digital silence, and the floor
// of every level in this package.
const SilenceDBFS = -120.0

// softClipKnee is where softClip leaves the identity: sums within ±knee
// pass unchanged, louder sums bend smoothly towards ±1.
const softClipKnee = 0.8

// PCM is a block of interleaved float32 stereo samples at 48 kHz in the
// range −1..1: Samples[2i] is the left and Samples[2i+1] the right channel
// of frame i. PTS is the time of the first frame on the room's common clock.
type PCM struct {
	PTS     time.Duration
	Samples []float32
}

// Frames returns the number of whole frames in p.
func (p PCM) Frames() int {
	return len(p.Samples) / Channels
}

// Duration returns the length of p's whole frames, to the nearest
// nanosecond.
func (p PCM) Duration() time.Duration {
	return frameToPTS(int64(p.Frames()))
}

// Level returns the RMS level of p over all its samples in dBFS (a full
// scale square wave is 0 dBFS, a full scale sine −3 dBFS). Silence, an
// empty block and NaN samples give SilenceDBFS rather than −Inf.
func Level(p PCM) float64 {
	if len(p.Samples) == 0 {
		return SilenceDBFS
	}
	var sum float64
	for _, s := range p.Samples {
		sum += float64(s) * float64(s)
	}
	db := 10 * math.Log10(sum/float64(len(p.Samples)))
	if !(db >= SilenceDBFS) { // also catches NaN
		return SilenceDBFS
	}
	return db
}

// softClip maps any sum into −1..1: the identity within ±softClipKnee, then
// a tanh knee with a continuous slope that approaches ±1.
func softClip(x float32) float32 {
	switch {
	case x > softClipKnee:
		return softClipKnee + (1-softClipKnee)*float32(math.Tanh(float64((x-softClipKnee)/(1-softClipKnee))))
	case x < -softClipKnee:
		return -softClipKnee - (1-softClipKnee)*float32(math.Tanh(float64((-x-softClipKnee)/(1-softClipKnee))))
	}
	return x
}

// sanitize returns s clamped to −1..1, with NaN as silence.
func sanitize(s float32) float32 {
	switch {
	case s != s:
		return 0
	case s > 1:
		return 1
	case s < -1:
		return -1
	}
	return s
}
