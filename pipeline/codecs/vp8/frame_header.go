package vp8

import (
	"errors"
	"fmt"
)

// ErrBadFrame reports a VP8 frame whose header cannot be read.
var ErrBadFrame = errors.New("bad vp8 frame")

// Frame header sizes: the 3-byte frame tag, and for a key frame the start
// code and the dimensions after it.
const (
	TagLen         = 3
	KeyFrameHdrLen = 10
)

// keyFrameStartCode follows the frame tag of a key frame.
var keyFrameStartCode = [3]byte{0x9d, 0x01, 0x2a}

// FrameHeader is the uncompressed data chunk at the start of a VP8 frame
// (RFC 6386 section 9.1).
type FrameHeader struct {
	KeyFrame           bool
	Version            uint8 // 0..7; 0..3 are defined
	ShowFrame          bool
	FirstPartitionSize int // bytes of the first partition after the header
	// Key frames only: the 14-bit size in pixels and the 2-bit upscaling
	// modes.
	Width, Height                  int
	HorizontalScale, VerticalScale uint8
}

// Len is the size of the header in bytes: where the first partition starts.
func (h FrameHeader) Len() int {
	if h.KeyFrame {
		return KeyFrameHdrLen
	}
	return TagLen
}

// ParseFrameHeader reads the frame tag of b and, for a key frame, the start
// code 9d 01 2a and the dimensions. A key frame without its start code or
// of width or height 0 is an error. It does not check that the first
// partition fits in b.
func ParseFrameHeader(b []byte) (FrameHeader, error) {
	if len(b) < TagLen {
		return FrameHeader{}, fmt.Errorf("%w: frame of %d bytes", ErrBadFrame, len(b))
	}
	tag := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	h := FrameHeader{
		KeyFrame:           tag&1 == 0,
		Version:            uint8(tag >> 1 & 7),
		ShowFrame:          tag>>4&1 == 1,
		FirstPartitionSize: int(tag >> 5),
	}
	if !h.KeyFrame {
		return h, nil
	}
	if len(b) < KeyFrameHdrLen || [3]byte(b[3:6]) != keyFrameStartCode {
		return FrameHeader{}, fmt.Errorf("%w: key frame without start code", ErrBadFrame)
	}
	h.Width, h.HorizontalScale = int(b[6])|int(b[7]&0x3f)<<8, b[7]>>6
	h.Height, h.VerticalScale = int(b[8])|int(b[9]&0x3f)<<8, b[9]>>6
	if h.Width == 0 || h.Height == 0 {
		return FrameHeader{}, fmt.Errorf("%w: key frame of %dx%d", ErrBadFrame, h.Width, h.Height)
	}
	return h, nil
}

// IsKeyFrame reports what the frame tag's first bit says: whether b, the
// start of a frame (or of the first partition in an RTP payload, where it
// is the P bit of RFC 7741 section 4.3), begins a key frame.
func IsKeyFrame(b []byte) bool { return len(b) > 0 && b[0]&1 == 0 }

// HasKeyFrameStart reports whether b begins with a key frame's tag and
// start code: without the start code, one random byte string in two would
// pass for a key frame.
func HasKeyFrameStart(b []byte) bool {
	return len(b) >= 6 && IsKeyFrame(b) && [3]byte(b[3:6]) == keyFrameStartCode
}
