package h264

import "errors"

var (
	errShortBits   = errors.New("bitstream too short")
	errLongGolomb  = errors.New("exp-golomb code too long")
	errLongPOCList = errors.New("too many ref_frames_in_pic_order_cnt_cycle")
)

// bitReader reads bits MSB first and Exp-Golomb codes (ITU-T H.264
// section 9.1). It never panics: a read past the end, or an Exp-Golomb
// code of more than 31 leading zeros, sets err and returns 0, as does
// every read after that.
type bitReader struct {
	b   []byte
	pos int // in bits
	err error
}

func (r *bitReader) bit() uint32 {
	if r.err != nil {
		return 0
	}
	if r.pos >= len(r.b)*8 {
		r.err = errShortBits
		return 0
	}
	v := r.b[r.pos/8] >> (7 - r.pos%8) & 1
	r.pos++
	return uint32(v)
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

// ue reads ue(v).
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bit() == 0 {
		if r.err != nil {
			return 0
		}
		zeros++
		if zeros > 31 {
			r.err = errLongGolomb
			return 0
		}
	}
	return (1<<zeros - 1) + r.bits(zeros)
}

// se reads se(v).
func (r *bitReader) se() int32 {
	k := r.ue()
	if k%2 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}
