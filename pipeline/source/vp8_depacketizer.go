package source

import (
	"fmt"

	"github.com/pion/rtp"
)

// VP8 payload descriptor bits (RFC 7741 section 4.2).
const (
	vp8FlagX   = 0x80 // extended control bits present
	vp8FlagS   = 0x10 // start of a VP8 partition
	vp8MaskPID = 0x07 // partition index
	vp8FlagI   = 0x80 // PictureID present
	vp8FlagL   = 0x40 // TL0PICIDX present
	vp8FlagT   = 0x20 // TID present
	vp8FlagK   = 0x10 // KEYIDX present
	vp8FlagM   = 0x80 // 15-bit PictureID
)

// vp8KeyStartCode is the start code of a VP8 key frame header (RFC 6386
// section 9.1).
var vp8KeyStartCode = [3]byte{0x9d, 0x01, 0x2a}

// vp8Descriptor is a parsed VP8 payload descriptor (RFC 7741 section 4.2).
type vp8Descriptor struct {
	Start     bool  // S: the packet starts a partition
	PID       uint8 // partition index
	PictureID int   // 7- or 15-bit PictureID, -1 when absent
	Len       int   // descriptor length in bytes
}

// parseVP8Descriptor parses the payload descriptor at the start of b.
func parseVP8Descriptor(b []byte) (vp8Descriptor, error) {
	d := vp8Descriptor{PictureID: -1, Len: 1}
	if len(b) < 1 {
		return d, fmt.Errorf("vp8: empty payload descriptor: %w", ErrMalformed)
	}
	d.Start = b[0]&vp8FlagS != 0
	d.PID = b[0] & vp8MaskPID
	if b[0]&vp8FlagX == 0 {
		return d, nil
	}
	if len(b) < 2 {
		return d, fmt.Errorf("vp8: truncated extension byte: %w", ErrMalformed)
	}
	ext := b[1]
	n := 2
	if ext&vp8FlagI != 0 {
		if len(b) < n+1 {
			return d, fmt.Errorf("vp8: truncated PictureID: %w", ErrMalformed)
		}
		if b[n]&vp8FlagM == 0 {
			d.PictureID = int(b[n])
			n++
		} else {
			if len(b) < n+2 {
				return d, fmt.Errorf("vp8: truncated 15-bit PictureID: %w", ErrMalformed)
			}
			d.PictureID = int(b[n]&0x7f)<<8 | int(b[n+1])
			n += 2
		}
	}
	if ext&vp8FlagL != 0 {
		n++ // TL0PICIDX
	}
	if ext&(vp8FlagT|vp8FlagK) != 0 {
		n++ // TID | Y | KEYIDX
	}
	if len(b) < n {
		return d, fmt.Errorf("vp8: truncated payload descriptor: %w", ErrMalformed)
	}
	d.Len = n
	return d, nil
}

// checkVP8Frame checks that a reassembled frame holds at least its whole
// frame header and first partition (RFC 6386 section 9.1): the 3-byte frame
// tag, plus for a key frame the start code and non-zero dimensions.
func checkVP8Frame(b []byte) error {
	if len(b) < 3 {
		return fmt.Errorf("vp8: frame shorter than its frame tag: %w", ErrMalformed)
	}
	key := b[0]&1 == 0
	header := 3
	if key {
		header = 10
		if len(b) < header {
			return fmt.Errorf("vp8: key frame shorter than its header: %w", ErrMalformed)
		}
		if [3]byte(b[3:6]) != vp8KeyStartCode {
			return fmt.Errorf("vp8: key frame without start code: %w", ErrMalformed)
		}
		width := int(b[6]) | int(b[7]&0x3f)<<8
		height := int(b[8]) | int(b[9]&0x3f)<<8
		if width == 0 || height == 0 {
			return fmt.Errorf("vp8: key frame of size %dx%d: %w", width, height, ErrMalformed)
		}
	}
	first := int(b[0])>>5 | int(b[1])<<3 | int(b[2])<<11
	if first > len(b)-header {
		return fmt.Errorf("vp8: first partition of %d bytes in a %d-byte frame: %w", first, len(b), ErrMalformed)
	}
	return nil
}

// vp8Depacketizer reassembles VP8 frames from RTP packets (RFC 7741). A
// frame must begin with the packet that starts partition 0 (S=1, PID=0);
// packets of a frame whose beginning was not seen are discarded.
type vp8Depacketizer struct {
	frame frameAssembler
}

func newVP8Depacketizer() *vp8Depacketizer {
	return &vp8Depacketizer{frame: frameAssembler{codec: "vp8", max: maxVideoFrameBytes}}
}

// Reset drops any partial frame.
func (d *vp8Depacketizer) Reset() { d.frame.drop() }

// Push takes the next packet in sequence order; see Depacketizer.
func (d *vp8Depacketizer) Push(p *rtp.Packet) ([]Frame, error) {
	payload, skip, err := packetPayload("vp8", p)
	if err != nil {
		return nil, d.fail(err)
	}
	if skip {
		return nil, nil
	}
	var out []Frame
	if d.frame.open && d.frame.ts != p.Timestamp {
		out = d.closeOnTimestampChange(out)
	}
	desc, err := parseVP8Descriptor(payload)
	if err != nil {
		return out, d.fail(err)
	}
	data := payload[desc.Len:]
	if len(data) == 0 {
		return out, d.fail(fmt.Errorf("vp8: packet without VP8 payload: %w", ErrMalformed))
	}
	if desc.Start && desc.PID == 0 {
		if d.frame.open {
			return out, d.fail(fmt.Errorf("vp8: partition 0 starts twice in one frame: %w", ErrMalformed))
		}
		d.frame.begin(p.Timestamp)
		d.frame.key = data[0]&1 == 0 // P bit of the VP8 payload header (RFC 7741 section 4.3)
	}
	if !d.frame.open {
		return out, nil // the beginning of this frame was lost
	}
	if err := d.frame.append(data...); err != nil {
		return out, d.fail(err)
	}
	if !p.Marker {
		return out, nil
	}
	if err := checkVP8Frame(d.frame.buf); err != nil {
		return out, d.fail(err)
	}
	return append(out, d.frame.emit()), nil
}

// closeOnTimestampChange ends the open frame whose marker packet did not
// come: it is emitted when its header and first partition are whole, else
// dropped.
func (d *vp8Depacketizer) closeOnTimestampChange(out []Frame) []Frame {
	if checkVP8Frame(d.frame.buf) != nil {
		d.frame.drop()
		return out
	}
	return append(out, d.frame.emit())
}

// fail drops the open frame and returns err.
func (d *vp8Depacketizer) fail(err error) error {
	d.frame.drop()
	return err
}
