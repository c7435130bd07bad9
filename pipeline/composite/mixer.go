package composite

import (
	"slices"
	"sync"
	"time"
)

// Mixer mixes the PCM of several participants into one continuous stream
// of fixed-size blocks (see PCM for the format).
//
// Placement: each participant's samples go to the frame nearest their PTS
// (frame = round(PTS × 48000)). To keep jitter from clicking, a block that
// starts within Reanchor of the end of the participant's previous block is
// taken as contiguous with it, whatever its PTS says. Past Reanchor the
// participant is placed at its PTS again: a jump forward leaves silence, a
// jump back drops the samples that overlap what it already pushed
// (DroppedOverlapFrames). Frames before the next output frame come too late
// and are dropped (DroppedLateFrames); frames more than MaxAhead after it
// are dropped too (DroppedOverflowFrames), which bounds memory.
//
// Output: Pull returns consecutive blocks of exactly BlockFrames frames.
// The first starts at MixerConfig.Start or at the first pushed PTS; block k
// starts at frame first+k×BlockFrames, its PTS rounded to the nanosecond,
// so the PTS never drift. Each output sample is the sum of the
// participants' samples (silence where a participant has none), passed
// through a limiter that turns the gain down (1 ms attack at a block's
// start, 150 ms release) to keep the peaks under −2 dBFS, then a soft
// clipper as a safety net that leaves sums within ±0.8 unchanged and
// keeps every output within −1..1. Input samples are clamped to −1..1 and NaN is
// taken as silence.
//
// Participants are summed in the order they joined, so the output is
// bit-for-bit deterministic. A Mixer is safe for concurrent use: typically
// one goroutine per participant pushes and the encoder pulls.
type Mixer struct {
	mu       sync.Mutex
	block    int64
	reanchor int64 // frames
	maxAhead int64 // frames

	started bool
	next    int64 // the first frame of the next output block

	inputs map[string]*mixerInput
	order  []*mixerInput // join order
	limit  *limiter
	stats  MixerStats
}

// NewMixer returns a mixer with no participants.
func NewMixer(cfg MixerConfig) (*Mixer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Mixer{
		block:    int64(cfg.BlockFrames),
		reanchor: ptsToFrame(cfg.Reanchor),
		maxAhead: ptsToFrame(cfg.MaxAhead),
		inputs:   map[string]*mixerInput{},
		limit:    newLimiter(),
	}
	if cfg.Start != nil {
		m.started, m.next = true, ptsToFrame(*cfg.Start)
	}
	return m, nil
}

// Push adds the whole frames of p to participant's stream, adding the
// participant when new, or back when removed. Push copies the samples: the
// caller keeps p.Samples and may reuse it. It returns where the block was
// placed relative to its PTS (contiguous placement absorbs jitter), for
// the A/V offset of the quality report.
func (m *Mixer) Push(participant string, p PCM) time.Duration {
	n := int64(p.Frames())
	if n == 0 {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stats.PushedFrames += uint64(n)
	frame := ptsToFrame(p.PTS)
	if !m.started {
		m.started, m.next = true, frame
	}
	in := m.input(participant, frame)
	w, s := m.anchor(in, frame, p.Samples[:n*Channels])
	// Where the block's first sample went (anchor may trim the front).
	placed := frameToPTS(w-(n-int64(len(s)/Channels))) - frameToPTS(frame)
	w, s = m.dropLate(in, w, s)
	s = m.dropOverflow(w, s)
	if len(s) > 0 {
		in.write(w, s, m.next)
	}
	return placed
}

// Pull mixes and returns the whole blocks that end at or before until, in
// order; nil when there are none yet. The caller owns the returned
// samples. Pull before the first Push returns nil unless
// MixerConfig.Start was set.
//
// Samples pushed after Pull has passed their place are dropped, so pull
// behind the participants by more than their jitter plus Reanchor (say,
// until = the newest PTS pushed − 100 ms). Pull allocates every block up
// to until: a far-off until means a large result.
func (m *Mixer) Pull(until time.Duration) []PCM {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.started {
		return nil
	}
	count := (ptsToFrame(until) - m.next) / m.block
	if count <= 0 {
		return nil
	}
	out := make([]PCM, count)
	for i := range out {
		out[i] = m.mix()
	}
	m.reap()
	return out
}

// Remove takes participant out of the mix once the samples it already
// pushed have played out. A later Push adds it back.
func (m *Mixer) Remove(participant string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if in, ok := m.inputs[participant]; ok {
		in.leaving = true
		m.reap()
	}
}

// Next returns the PTS of the next block Pull returns, and false before
// the start is known.
func (m *Mixer) Next() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return frameToPTS(m.next), m.started
}

// Stats returns the counters so far.
func (m *Mixer) Stats() MixerStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.stats
	for _, in := range m.order {
		if !in.leaving {
			st.Participants++
		}
	}
	return st
}

// input returns the state of id, adding it at frame when new.
func (m *Mixer) input(id string, frame int64) *mixerInput {
	in, ok := m.inputs[id]
	if !ok {
		in = newMixerInput(id, frame)
		m.inputs[id] = in
		m.order = append(m.order, in)
	}
	in.leaving = false
	return in
}

// anchor returns where the samples s pushed at frame go for in: at its
// cursor when within Reanchor of it, else at frame, less any overlap.
func (m *Mixer) anchor(in *mixerInput, frame int64, s []float32) (int64, []float32) {
	d := frame - in.cursor
	switch {
	case d >= -m.reanchor && d <= m.reanchor:
		return in.cursor, s
	case d > 0:
		return frame, s
	}
	skip := min(-d, int64(len(s)/Channels))
	m.stats.DroppedOverlapFrames += uint64(skip)
	return in.cursor, s[skip*Channels:]
}

// dropLate drops the frames of s (at w) before the next output frame.
func (m *Mixer) dropLate(in *mixerInput, w int64, s []float32) (int64, []float32) {
	if w >= m.next || len(s) == 0 {
		return w, s
	}
	late := min(m.next-w, int64(len(s)/Channels))
	m.stats.DroppedLateFrames += uint64(late)
	if late*Channels == int64(len(s)) {
		in.cursor = max(in.cursor, w+late) // the stream went on, silently
	}
	return w + late, s[late*Channels:]
}

// dropOverflow drops the frames of s (at w) beyond MaxAhead.
func (m *Mixer) dropOverflow(w int64, s []float32) []float32 {
	keep := min(max(m.next+m.maxAhead-w, 0), int64(len(s)/Channels))
	m.stats.DroppedOverflowFrames += uint64(int64(len(s)/Channels) - keep)
	return s[:keep*Channels]
}

// limiterUnity is the limiter gain taken for 1 (0.01 dB off): in float32
// its release stalls just under 1.
const limiterUnity = 0.999

// mix returns the next output block and advances past it. A block under
// the limiter's ceiling while its gain is back at 1 (most blocks, and
// every block of a single speaker who does not peak over −2 dBFS) passes
// as it is: the limiter and the soft clipper would leave it unchanged.
func (m *Mixer) mix() PCM {
	out := PCM{PTS: frameToPTS(m.next), Samples: make([]float32, m.block*Channels)}
	for _, in := range m.order {
		in.addTo(out.Samples, m.next)
	}
	if m.limit.gain >= limiterUnity && underCeiling(out.Samples) {
		m.limit.gain = 1
	} else {
		m.limit.process(out.Samples)
		for i, v := range out.Samples {
			out.Samples[i] = softClip(v) // a safety net: the limiter keeps sums under it
		}
	}
	m.next += m.block
	return out
}

// underCeiling reports whether every sample is within the limiter's
// ceiling, which is under the soft clipper's knee.
func underCeiling(s []float32) bool {
	for _, v := range s {
		if v > limiterCeiling || v < -limiterCeiling {
			return false
		}
	}
	return true
}

// reap forgets removed participants whose samples have all played out.
func (m *Mixer) reap() {
	m.order = slices.DeleteFunc(m.order, func(in *mixerInput) bool {
		if in.leaving && !in.pending(m.next) {
			delete(m.inputs, in.id)
			return true
		}
		return false
	})
}
