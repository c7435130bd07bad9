package aac

import "errors"

var errShortBits = errors.New("bitstream too short")

// bitReader reads bits MSB first. A read past the end sets err and
// returns 0, as does every read after it; it never panics.
type bitReader struct {
	b   []byte
	pos int // in bits
	err error
}

func (r *bitReader) bits(n int) uint32 {
	if r.err != nil {
		return 0
	}
	if r.pos+n > len(r.b)*8 {
		r.err = errShortBits
		return 0
	}
	var v uint32
	for range n {
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

// bitWriter appends bits MSB first.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) bits(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (7 - w.n%8)
		w.n++
	}
}

// copyBits appends bits [from, to) of src; src must hold them.
func (w *bitWriter) copyBits(src []byte, from, to int) {
	for ; from < to && from%8 != 0; from++ {
		w.bits(uint32(src[from/8]>>(7-from%8)&1), 1)
	}
	if w.n%8 == 0 && to-from >= 8 {
		whole := (to - from) / 8
		w.b = append(w.b, src[from/8:from/8+whole]...)
		w.n += whole * 8
		from += whole * 8
	}
	for ; to-from >= 8; from += 8 {
		w.byte(src[from/8])
	}
	for ; from < to; from++ {
		w.bits(uint32(src[from/8]>>(7-from%8)&1), 1)
	}
}

// byte appends 8 bits when the writer is not byte aligned.
func (w *bitWriter) byte(v byte) {
	shift := w.n % 8
	w.b[len(w.b)-1] |= v >> shift
	w.b = append(w.b, v<<(8-shift))
	w.n += 8
}
