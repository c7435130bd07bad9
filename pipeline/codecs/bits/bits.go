// Package bits reads and writes bitstreams most significant bit first, as
// the codecs' syntax is written (ITU-T H.264 section 7.2, ISO/IEC 14496-3
// section 1.5). A Reader never panics: a read past the end sets its error
// and returns 0, as does every read after it.
package bits

import "errors"

// ErrShort is a read past the end of the bitstream.
var ErrShort = errors.New("bitstream too short")

// Reader reads bits MSB first.
type Reader struct {
	b   []byte
	pos int // in bits
	err error
}

// NewReader reads b from bit pos (0: its first bit).
func NewReader(b []byte, pos int) *Reader { return &Reader{b: b, pos: pos} }

// Bit reads one bit.
func (r *Reader) Bit() uint32 {
	if r.err != nil {
		return 0
	}
	if r.pos < 0 || r.pos >= len(r.b)*8 {
		r.err = ErrShort
		return 0
	}
	v := r.b[r.pos/8] >> (7 - r.pos%8) & 1
	r.pos++
	return uint32(v)
}

// Bits reads n bits, n at most 32.
func (r *Reader) Bits(n int) uint32 {
	if r.err != nil {
		return 0
	}
	if r.pos < 0 || r.pos+n > len(r.b)*8 {
		r.err = ErrShort
		return 0
	}
	var v uint32
	for range n {
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

// Skip moves n bits on; past the end it fails as a read does.
func (r *Reader) Skip(n int) {
	if r.err != nil {
		return
	}
	if n < 0 || r.pos+n > len(r.b)*8 {
		r.err = ErrShort
		return
	}
	r.pos += n
}

// Pos is the position of the next bit to read.
func (r *Reader) Pos() int { return r.pos }

// Err is the first error, nil when every read so far fitted.
func (r *Reader) Err() error { return r.err }

// Fail sets err as the reader's error unless it has one: a syntax error
// of the caller's stops the reads that follow as a short stream does.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Writer appends bits MSB first to a byte slice.
type Writer struct {
	b []byte
	n int // bits written, counted from the start of b
}

// NewWriter appends to dst.
func NewWriter(dst []byte) *Writer { return &Writer{b: dst, n: len(dst) * 8} }

// Bytes returns what was written, the last byte padded with zero bits.
func (w *Writer) Bytes() []byte { return w.b }

// Bits appends the n low bits of v.
func (w *Writer) Bits(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (7 - w.n%8)
		w.n++
	}
}

// CopyBits appends bits [from, to) of src; src must hold them.
func (w *Writer) CopyBits(src []byte, from, to int) {
	for ; from < to && from%8 != 0; from++ {
		w.Bits(uint32(src[from/8]>>(7-from%8)&1), 1)
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
		w.Bits(uint32(src[from/8]>>(7-from%8)&1), 1)
	}
}

// byte appends 8 bits when the writer is not byte aligned.
func (w *Writer) byte(v byte) {
	shift := w.n % 8
	w.b[len(w.b)-1] |= v >> shift
	w.b = append(w.b, v<<(8-shift))
	w.n += 8
}
