package h264

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// AVCC framing: every NAL unit behind its length as a 4-byte big-endian
// integer (ISO/IEC 14496-15 section 5.3.2, lengthSizeMinusOne = 3), as MP4
// samples and FLV video tags carry H.264.

// ErrBadAVCC reports a length prefix that runs past the end of the data.
var ErrBadAVCC = errors.New("bad avcc length prefix")

// AppendAVCC appends each NAL unit to dst behind its 4-byte length.
func AppendAVCC(dst []byte, nalus ...[]byte) []byte {
	for _, n := range nalus {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(n)))
		dst = append(dst, n...)
	}
	return dst
}

// AnnexBToAVCC converts an Annex-B stream to 4-byte length-prefixed NAL
// units in a new buffer; the input is not modified.
func AnnexBToAVCC(b []byte) []byte {
	return AppendAVCC(make([]byte, 0, len(b)+4), SplitAnnexB(b)...)
}

// SplitAVCC returns the NAL units of 4-byte length-prefixed data. Empty
// units are dropped; the units share b's memory.
func SplitAVCC(b []byte) ([][]byte, error) {
	var nalus [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: %d bytes left for a 4-byte length", ErrBadAVCC, len(b))
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: NAL unit of %d bytes with %d left", ErrBadAVCC, n, len(b))
		}
		if n > 0 {
			nalus = append(nalus, b[:n])
		}
		b = b[n:]
	}
	return nalus, nil
}

// AVCCToAnnexB converts 4-byte length-prefixed NAL units to Annex-B with
// 4-byte start codes in a new buffer.
func AVCCToAnnexB(b []byte) ([]byte, error) {
	nalus, err := SplitAVCC(b)
	if err != nil {
		return nil, err
	}
	return JoinAnnexB(nalus), nil
}
