package codec

import "time"

// keyframeClock decides which frames an encoder must force to be
// keyframes. x264 already makes every keyint-th frame (counted from the
// last keyframe) an IDR; the clock mirrors that count and adds the frames
// x264 would miss: those the caller asked for, and those whose PTS is a
// whole interval past the last keyframe when input frames were dropped
// (variable frame rate input), so keyframes stay within the interval that
// platforms require (YouTube and Facebook: at most 2 s).
type keyframeClock struct {
	interval time.Duration
	keyint   int           // frames between x264's own keyframes
	slack    time.Duration // half a frame: PTS jitter that still counts as on time
	started  bool
	sinceKey int           // frames since the last keyframe
	lastKey  time.Duration // PTS of the last keyframe
}

func newKeyframeClock(interval time.Duration, fps int) *keyframeClock {
	keyint := max(1, int((interval*time.Duration(fps)+time.Second/2)/time.Second))
	return &keyframeClock{interval: interval, keyint: keyint, slack: time.Second / time.Duration(2*fps)}
}

// next accounts for a frame at pts and reports whether the encoder must
// force it to be a keyframe; requested is a caller's request.
func (k *keyframeClock) next(pts time.Duration, requested bool) (force bool) {
	if !k.started { // x264 starts with an IDR
		k.started, k.sinceKey, k.lastKey = true, 0, pts
		return requested
	}
	k.sinceKey++
	auto := k.sinceKey >= k.keyint
	late := pts-k.lastKey >= k.interval-k.slack
	if auto || late || requested {
		k.sinceKey, k.lastKey = 0, pts
	}
	return !auto && (late || requested)
}
