package h264

import (
	"errors"

	"github.com/roomcast/roomcast/pipeline/codecs/bits"
)

var (
	errLongGolomb  = errors.New("exp-golomb code too long")
	errLongPOCList = errors.New("too many ref_frames_in_pic_order_cnt_cycle")
)

// bitReader reads bits MSB first and Exp-Golomb codes (ITU-T H.264
// section 9.1). It never panics: a read past the end, or an Exp-Golomb
// code of more than 31 leading zeros, sets its error and returns 0, as
// does every read after that.
type bitReader struct{ *bits.Reader }

// ue reads ue(v).
func (r bitReader) ue() uint32 {
	zeros := 0
	for r.Bit() == 0 {
		if r.Err() != nil {
			return 0
		}
		zeros++
		if zeros > 31 {
			r.Fail(errLongGolomb)
			return 0
		}
	}
	return (1<<zeros - 1) + r.Bits(zeros)
}

// se reads se(v).
func (r bitReader) se() int32 {
	k := r.ue()
	if k%2 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}
