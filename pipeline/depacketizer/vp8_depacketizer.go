package depacketizer

import (
	"fmt"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/codecs/vp8"
)

// checkVP8Frame checks that a reassembled frame holds at least its whole
// frame header and first partition (RFC 6386 section 9.1): the 3-byte frame
// tag, plus for a key frame the start code and non-zero dimensions.
func checkVP8Frame(b []byte) error {
	h, err := vp8.ParseFrameHeader(b)
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrMalformed)
	}
	if h.FirstPartitionSize > len(b)-h.Len() {
		return fmt.Errorf("vp8: first partition of %d bytes in a %d-byte frame: %w", h.FirstPartitionSize, len(b), ErrMalformed)
	}
	return nil
}

// vp8Depacketizer reassembles VP8 frames from RTP packets (RFC 7741). A
// frame must begin with the packet that starts partition 0 (S=1, PID=0);
// packets of a frame whose beginning was not seen are discarded.
type vp8Depacketizer struct {
	out   frameList
	frame frameAssembler
}

func newVP8Depacketizer() *vp8Depacketizer {
	return &vp8Depacketizer{frame: frameAssembler{codec: "vp8", max: maxVideoFrameBytes}}
}

// Reset drops any partial frame.
func (d *vp8Depacketizer) Reset() { d.frame.drop() }

// Push takes the next packet in sequence order; see Depacketizer.
func (d *vp8Depacketizer) Push(p *rtp.Packet) ([]Frame, error) {
	out, err := d.push(d.out.start(), p)
	return d.out.done(out), err
}

// push appends the frames p completes to out.
func (d *vp8Depacketizer) push(out []Frame, p *rtp.Packet) ([]Frame, error) {
	payload, skip, err := packetPayload("vp8", p)
	if err != nil {
		return out, d.fail(err)
	}
	if skip {
		return out, nil
	}
	if d.frame.open && d.frame.ts != p.Timestamp {
		out = d.closeOnTimestampChange(out)
	}
	desc, err := vp8.ParsePayloadDescriptor(payload)
	if err != nil {
		return out, d.fail(fmt.Errorf("%w: %w", err, ErrMalformed))
	}
	data := payload[desc.Len:]
	if len(data) == 0 {
		return out, d.fail(fmt.Errorf("vp8: packet without VP8 payload: %w", ErrMalformed))
	}
	if desc.FirstPacket() {
		if d.frame.open {
			return out, d.fail(fmt.Errorf("vp8: partition 0 starts twice in one frame: %w", ErrMalformed))
		}
		d.frame.begin(p.Timestamp)
		d.frame.key = vp8.IsKeyFrame(data) // P bit of the VP8 payload header (RFC 7741 section 4.3)
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
