package vp8

import (
	"errors"
	"fmt"
)

// ErrBadDescriptor reports a truncated RTP payload descriptor.
var ErrBadDescriptor = errors.New("bad vp8 payload descriptor")

// Payload descriptor bits (RFC 7741 section 4.2).
const (
	FlagX   = 0x80 // first byte: extended control bits present
	FlagS   = 0x10 // first byte: start of a VP8 partition
	MaskPID = 0x07 // first byte: partition index
	FlagI   = 0x80 // extension byte: PictureID present
	FlagL   = 0x40 // extension byte: TL0PICIDX present
	FlagT   = 0x20 // extension byte: TID present
	FlagK   = 0x10 // extension byte: KEYIDX present
	FlagM   = 0x80 // PictureID: 15 bits
)

// PayloadDescriptor is the VP8 RTP payload descriptor (RFC 7741 section
// 4.2).
type PayloadDescriptor struct {
	Start     bool  // S: the packet starts a partition
	PID       uint8 // partition index
	PictureID int   // 7- or 15-bit PictureID, -1 when absent
	Len       int   // descriptor length in bytes: where the VP8 payload starts
}

// FirstPacket reports whether the packet starts partition 0, so a frame.
func (d PayloadDescriptor) FirstPacket() bool { return d.Start && d.PID == 0 }

// ParsePayloadDescriptor parses the payload descriptor at the start of an
// RTP payload.
func ParsePayloadDescriptor(b []byte) (PayloadDescriptor, error) {
	d := PayloadDescriptor{PictureID: -1, Len: 1}
	if len(b) < 1 {
		return d, fmt.Errorf("%w: empty", ErrBadDescriptor)
	}
	d.Start = b[0]&FlagS != 0
	d.PID = b[0] & MaskPID
	if b[0]&FlagX == 0 {
		return d, nil
	}
	if len(b) < 2 {
		return d, fmt.Errorf("%w: truncated extension byte", ErrBadDescriptor)
	}
	ext := b[1]
	n := 2
	if ext&FlagI != 0 {
		var err error
		if d.PictureID, n, err = readPictureID(b, n); err != nil {
			return d, err
		}
	}
	if ext&FlagL != 0 {
		n++ // TL0PICIDX
	}
	if ext&(FlagT|FlagK) != 0 {
		n++ // TID | Y | KEYIDX
	}
	if len(b) < n {
		return d, fmt.Errorf("%w: truncated", ErrBadDescriptor)
	}
	d.Len = n
	return d, nil
}

// readPictureID reads the 7- or 15-bit PictureID at b[n:] and returns it
// and the offset after it.
func readPictureID(b []byte, n int) (int, int, error) {
	if len(b) < n+1 {
		return -1, n, fmt.Errorf("%w: truncated PictureID", ErrBadDescriptor)
	}
	if b[n]&FlagM == 0 {
		return int(b[n]), n + 1, nil
	}
	if len(b) < n+2 {
		return -1, n, fmt.Errorf("%w: truncated 15-bit PictureID", ErrBadDescriptor)
	}
	return int(b[n]&0x7f)<<8 | int(b[n+1]), n + 2, nil
}
