package composite

// minRingFrames is the smallest ring a participant gets: about 85 ms.
const minRingFrames = 4096

// mixerInput holds the samples of one participant that are not mixed yet,
// in a ring indexed by absolute frame: frame f is at ring[Channels*(f&mask)].
// Frames [max(start, next), cursor) hold samples, where next is the mixer's
// next output frame; all others are silence. cursor is also where the
// participant's next contiguous block is expected.
type mixerInput struct {
	id      string
	ring    []float32
	mask    int64
	start   int64
	cursor  int64
	leaving bool // removed; forgotten once its samples have played out
}

func newMixerInput(id string, frame int64) *mixerInput {
	return &mixerInput{id: id, start: frame, cursor: frame}
}

// pending reports whether frames from next on hold samples.
func (in *mixerInput) pending(next int64) bool {
	return in.cursor > next
}

// write stores s at frame w, with w >= next and w >= in.cursor; frames
// between the cursor and w become silence.
func (in *mixerInput) write(w int64, s []float32, next int64) {
	lo := w
	if in.pending(next) {
		lo = max(in.start, next)
	} else {
		in.start, in.cursor = w, w
	}
	end := w + int64(len(s)/Channels)
	in.reserve(lo, end, next)
	in.zero(in.cursor, w)
	in.copyIn(w, s)
	in.cursor = end
}

// reserve grows the ring to hold frames [lo, hi), keeping the pending ones.
func (in *mixerInput) reserve(lo, hi, next int64) {
	if hi-lo <= int64(len(in.ring)/Channels) {
		return
	}
	size := int64(minRingFrames)
	for size < hi-lo {
		size *= 2
	}
	old, oldMask := in.ring, in.mask
	in.ring, in.mask = make([]float32, size*Channels), size-1
	if !in.pending(next) {
		return
	}
	for f := max(in.start, next); f < in.cursor; f++ {
		i, j := Channels*(f&in.mask), Channels*(f&oldMask)
		copy(in.ring[i:i+Channels], old[j:j+Channels])
	}
}

// zero silences frames [from, to).
func (in *mixerInput) zero(from, to int64) {
	for from < to {
		i := Channels * (from & in.mask)
		k := min(int64(len(in.ring))-i, Channels*(to-from))
		clear(in.ring[i : i+k])
		from += k / Channels
	}
}

// copyIn stores s from frame w on, sanitized (see sanitize).
func (in *mixerInput) copyIn(w int64, s []float32) {
	for len(s) > 0 {
		i := Channels * (w & in.mask)
		dst := in.ring[i:]
		k := min(len(dst), len(s))
		for j, v := range s[:k] {
			dst[j] = sanitize(v)
		}
		s = s[k:]
		w += int64(k / Channels)
	}
}

// addTo adds the samples of frames [from, from+len(out)/Channels) to out.
func (in *mixerInput) addTo(out []float32, from int64) {
	lo := max(in.start, from)
	hi := min(in.cursor, from+int64(len(out)/Channels))
	for lo < hi {
		i := Channels * (lo & in.mask)
		src := in.ring[i:min(int64(len(in.ring)), i+Channels*(hi-lo))]
		dst := out[Channels*(lo-from):]
		dst = dst[:len(src)]
		for j, v := range src {
			dst[j] += v
		}
		lo += int64(len(src) / Channels)
	}
}
