package h264

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBadRTPPayload is returned for an RTP payload (RFC 6184) whose
// structure is broken.
var ErrBadRTPPayload = errors.New("bad h264 rtp payload")

// maxSingleType is the last nal_unit_type an RTP packet may carry as a
// single NAL unit (RFC 6184 section 5.2).
const maxSingleType = 23

// forbiddenBit is forbidden_zero_bit in a NAL unit header.
const forbiddenBit = 0x80

// EachSTAPA calls fn on each NAL unit of a STAP-A payload given after its
// one-byte header (RFC 6184 section 5.7.1): at least one, each preceded
// by its 16-bit size, each a single NAL unit with forbidden_zero_bit
// clear. It stops at fn's first error and returns it.
func EachSTAPA(b []byte, fn func(nalu []byte) error) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty STAP-A", ErrBadRTPPayload)
	}
	for len(b) > 0 {
		if len(b) < 2 {
			return fmt.Errorf("%w: STAP-A with a truncated NAL unit size", ErrBadRTPPayload)
		}
		size := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if size == 0 || size > len(b) {
			return fmt.Errorf("%w: STAP-A NAL unit of %d bytes in %d", ErrBadRTPPayload, size, len(b))
		}
		nalu := b[:size]
		b = b[size:]
		if t := Type(nalu); nalu[0]&forbiddenBit != 0 || t == 0 || t > maxSingleType {
			return fmt.Errorf("%w: STAP-A holds NAL unit type %d", ErrBadRTPPayload, t)
		}
		if err := fn(nalu); err != nil {
			return err
		}
	}
	return nil
}

// FUStart reports whether an FU-A payload (header byte first) starts a
// fragmented NAL unit, and that unit's type.
func FUStart(b []byte) (NALUType, bool) {
	if len(b) < 2 || b[1]&0x80 == 0 {
		return 0, false
	}
	return Type(b[1:]), true
}
