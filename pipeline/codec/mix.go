package codec

import "math"

// MinLevel is the level of silence: the floor of Level, and of the audio
// level RTP header extension (RFC 6464: 0 to -127 dBov).
const MinLevel = -127.0

// MixInto adds src into dst sample by sample, clipping the sums to
// [-1, 1]. Both are PCM of the same format; only the first
// min(len(dst), len(src)) samples mix.
func MixInto(dst, src []float32) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = clip(dst[i] + s)
	}
}

// clip limits a sample to [-1, 1]; NaN becomes 0.
func clip(s float32) float32 {
	switch {
	case s > 1:
		return 1
	case s < -1:
		return -1
	case s != s: // NaN
		return 0
	}
	return s
}

// Level returns the RMS level of pcm in dBFS, where a full-scale square
// wave is 0 and a full-scale sine -3: for active-speaker detection.
// Silence, and an empty pcm, is MinLevel.
func Level(pcm []float32) float64 {
	if len(pcm) == 0 {
		return MinLevel
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	if sum == 0 || math.IsNaN(sum) {
		return MinLevel
	}
	return max(MinLevel, min(0, 10*math.Log10(sum/float64(len(pcm)))))
}
