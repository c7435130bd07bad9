package composite

import "math"

// Limiter settings: the ceiling the mix is held under (−2 dBFS, under
// the soft clipper's knee so it never bends a waveform the limiter
// handled), and how fast the gain recovers once the peaks are gone.
const (
	limiterCeiling = 0.79
	limiterRelease = 0.150 // seconds, time constant
	limiterAttack  = 48    // frames over which the gain falls at a block start (1 ms)
)

// limiter keeps a mix under limiterCeiling by turning the gain down, not
// by clipping the waveform: loud sums come out as the same waveform,
// quieter. It sees a whole block before it plays, so the gain is down
// before the block's peak (lookahead of one block); the gain then
// recovers smoothly. Quiet mixes pass untouched (gain 1).
type limiter struct {
	gain    float32 // the gain now, 0 < gain ≤ 1
	release float32 // per-frame recovery factor
}

func newLimiter() *limiter {
	return &limiter{gain: 1, release: float32(1 - math.Exp(-1/(limiterRelease*SampleRate)))}
}

// process applies the gain to one interleaved block in place. When the
// block needs less gain, the gain ramps down over up to limiterAttack
// frames ending just before the first sample that would pass the
// ceiling (a step when that is the block's first), and holds; otherwise
// it recovers towards 1.
func (l *limiter) process(s []float32) {
	frames := len(s) / Channels
	peak, first := float32(0), -1
	for f := range frames {
		for c := range Channels {
			a := float32(math.Abs(float64(s[f*Channels+c])))
			peak = max(peak, a)
			if first < 0 && a*l.gain > limiterCeiling {
				first = f
			}
		}
	}
	target := float32(1)
	if peak > limiterCeiling {
		target = limiterCeiling / peak
	}
	start, rampFrom := l.gain, first-min(limiterAttack, max(first, 0))
	for f := range frames {
		switch {
		case target < start && f >= first:
			l.gain = target
		case target < start && f >= rampFrom:
			l.gain = start + (target-start)*float32(f-rampFrom+1)/float32(first-rampFrom+1)
		case target >= start:
			l.gain = min(target, l.gain+(1-l.gain)*l.release)
		}
		for c := range Channels {
			s[f*Channels+c] *= l.gain
		}
	}
}
