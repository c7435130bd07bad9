package composite

import "time"

// The PCM format the mixer works in: interleaved float32 stereo at 48 kHz.
const (
	SampleRate = 48000
	Channels   = 2
)

// One frame (one sample per channel) lasts 1e9/48000 ns = 125000/6 ns, so
// frame = PTS × 6 / 125000. Splitting the multiplication keeps it from
// overflowing for any PTS.
const (
	frameNum = 6
	frameDen = 125000
)

// ptsToFrame returns the index of the sample frame nearest to pts.
func ptsToFrame(pts time.Duration) int64 {
	q, r := int64(pts)/frameDen, int64(pts)%frameDen
	return q*frameNum + roundDiv(r*frameNum, frameDen)
}

// frameToPTS returns the PTS of frame f to the nearest nanosecond, so that
// ptsToFrame(frameToPTS(f)) == f and consecutive blocks never drift.
func frameToPTS(f int64) time.Duration {
	q, r := f/frameNum, f%frameNum
	return time.Duration(q*frameDen + roundDiv(r*frameDen, frameNum))
}

// roundDiv returns a/b rounded half away from zero, for b > 0.
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}
