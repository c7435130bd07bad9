package depacketizer

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
)

// H.264 NAL unit types (ITU-T H.264 table 7-1) and the RTP payload
// structures of RFC 6184 section 5.2.
const (
	h264NALSlice   = 1
	h264NALPartA   = 2
	h264NALIDR     = 5
	h264NALSEI     = 6
	h264NALSPS     = 7
	h264NALPPS     = 8
	h264NALAUD     = 9
	h264NALPrefix  = 14
	h264NALSubSPS  = 15
	h264NALMaxType = 23 // last single NAL unit packet type
	h264STAPA      = 24
	h264FUA        = 28

	h264MaskType = 0x1f
	h264MaskNRI  = 0x60
	h264FlagF    = 0x80 // forbidden_zero_bit
	h264FUStart  = 0x80 // S bit of the FU header
	h264FUEnd    = 0x40 // E bit of the FU header
)

// h264StartCode prefixes every NAL unit of an Annex-B frame.
var h264StartCode = []byte{0, 0, 0, 1}

// h264Depacketizer reassembles H.264 access units from RTP packets in
// packetization mode 1 (RFC 6184 section 6.3): single NAL unit packets,
// STAP-A and FU-A. Until the first packet and after Reset it waits for a
// packet that begins an access unit, so that it never emits a frame whose
// first NAL units were lost. NAL units that precede the first VCL NAL unit
// of an access unit (SPS, PPS, SEI) are kept and emitted with it, even when
// the sender gave them their own marker bit or timestamp.
type h264Depacketizer struct {
	out    frameList
	frame  frameAssembler
	vcl    bool  // the open frame holds a coded slice
	fu     bool  // a FU-A fragmented NAL unit is being reassembled
	fuType uint8 // the NAL unit type of that fragmented NAL unit
	resync bool  // waiting for a packet that begins an access unit
}

func newH264Depacketizer() *h264Depacketizer {
	return &h264Depacketizer{
		frame:  frameAssembler{codec: "h264", max: maxVideoFrameBytes},
		resync: true,
	}
}

// Reset drops any partial frame and waits for the next access unit.
func (d *h264Depacketizer) Reset() {
	d.drop()
	d.resync = true
}

// Push takes the next packet in sequence order; see Depacketizer.
func (d *h264Depacketizer) Push(p *rtp.Packet) ([]Frame, error) {
	out, err := d.push(d.out.start(), p)
	return d.out.done(out), err
}

// push appends the frames p completes to out.
func (d *h264Depacketizer) push(out []Frame, p *rtp.Packet) ([]Frame, error) {
	payload, skip, err := packetPayload("h264", p)
	if err != nil {
		return out, d.fail(err)
	}
	if skip {
		return out, nil
	}
	if d.frame.open && d.frame.ts != p.Timestamp {
		out = d.closeOnTimestampChange(out, p.Timestamp)
	}
	if err := checkH264Packet(payload); err != nil {
		return out, d.fail(err)
	}
	if d.resync {
		if !h264StartsAccessUnit(payload) {
			return out, nil
		}
		d.resync = false
	}
	if !d.frame.open {
		d.frame.begin(p.Timestamp)
	}
	if err := d.depacketize(payload); err != nil {
		return out, d.fail(err)
	}
	if !p.Marker {
		return out, nil
	}
	return d.closeOnMarker(out)
}

// checkH264Packet checks what a payload says of itself, whatever came
// before it: the NAL unit header (RFC 6184 section 5.3), the payload types
// of packetization mode 1 (STAP-B, MTAP and FU-B belong to the interleaved
// mode, and types 0, 30 and 31 are undefined: section 5.2), the structure of
// a STAP-A and the FU header of a FU-A.
func checkH264Packet(b []byte) error {
	if b[0]&h264FlagF != 0 {
		return fmt.Errorf("h264: forbidden_zero_bit set: %w", ErrMalformed)
	}
	switch t := b[0] & h264MaskType; {
	case t >= 1 && t <= h264NALMaxType:
		return nil
	case t == h264STAPA:
		return h264EachSTAPANAL(b[1:], func([]byte) error { return nil })
	case t == h264FUA:
		return checkH264FUHeader(b)
	default:
		return fmt.Errorf("h264: unsupported packet type %d: %w", t, ErrMalformed)
	}
}

// checkH264FUHeader checks the FU header of a FU-A (RFC 6184 section
// 5.8): not both start and end, and a fragmented single NAL unit type.
func checkH264FUHeader(b []byte) error {
	if len(b) < 2 {
		return fmt.Errorf("h264: FU-A without FU header: %w", ErrMalformed)
	}
	if b[1]&h264FUStart != 0 && b[1]&h264FUEnd != 0 {
		return fmt.Errorf("h264: FU-A with both start and end bits: %w", ErrMalformed)
	}
	if t := b[1] & h264MaskType; t == 0 || t > h264NALMaxType {
		return fmt.Errorf("h264: FU-A of NAL unit type %d: %w", t, ErrMalformed)
	}
	return nil
}

// h264EachSTAPANAL calls fn on each NAL unit of a STAP-A payload (after its
// header): h264.EachSTAPA, its structure errors as ErrMalformed.
func h264EachSTAPANAL(b []byte, fn func(nal []byte) error) error {
	err := h264.EachSTAPA(b, fn)
	if errors.Is(err, h264.ErrBadRTPPayload) {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return err
}

// h264StartsAccessUnit reports whether a checked payload begins with a NAL unit that
// can begin an access unit (H.264 section 7.4.1.2.3): an access unit
// delimiter, parameter set, SEI or prefix NAL unit, or the first slice of a
// picture (first_mb_in_slice = 0, whose ue(v) code is a single 1 bit).
func h264StartsAccessUnit(b []byte) bool {
	t, body := b[0]&h264MaskType, b[1:]
	switch t {
	case h264STAPA: // checked: holds a first NAL unit of a single NAL unit type
		return h264StartsAccessUnit(b[3 : 3+int(binary.BigEndian.Uint16(b[1:]))])
	case h264FUA: // checked: has a FU header
		if b[1]&h264FUStart == 0 {
			return false
		}
		t, body = b[1]&h264MaskType, b[2:]
	}
	switch t {
	case h264NALSlice, h264NALPartA, h264NALIDR:
		return len(body) > 0 && body[0]&0x80 != 0
	case h264NALSEI, h264NALSPS, h264NALPPS, h264NALAUD, h264NALPrefix, h264NALSubSPS:
		return true
	}
	return false
}

// depacketize adds the NAL units of one checked payload to the open frame.
func (d *h264Depacketizer) depacketize(b []byte) error {
	switch b[0] & h264MaskType {
	case h264STAPA:
		if d.fu {
			return fmt.Errorf("h264: STAP-A inside a FU-A: %w", ErrMalformed)
		}
		return d.addSTAPA(b[1:])
	case h264FUA:
		return d.addFUA(b[0], b[1], b[2:])
	default:
		if d.fu {
			return fmt.Errorf("h264: NAL unit inside a FU-A: %w", ErrMalformed)
		}
		return d.addNAL(b)
	}
}

// addSTAPA adds the NAL units of a checked STAP-A payload (after its
// header).
func (d *h264Depacketizer) addSTAPA(b []byte) error {
	return h264EachSTAPANAL(b, d.addNAL)
}

// addFUA adds one fragment of a checked FU-A (RFC 6184 section 5.8). The first
// fragment (S=1) restores the NAL unit header from the FU indicator's NRI
// and the FU header's type; the last one has E=1.
func (d *h264Depacketizer) addFUA(indicator, header byte, fragment []byte) error {
	start, end, t := header&h264FUStart != 0, header&h264FUEnd != 0, header&h264MaskType
	switch {
	case start && d.fu:
		return fmt.Errorf("h264: FU-A start before the previous one ended: %w", ErrMalformed)
	case !start && !d.fu:
		return fmt.Errorf("h264: FU-A without start: %w", ErrMalformed)
	case !start && t != d.fuType:
		return fmt.Errorf("h264: FU-A type changed from %d to %d: %w", d.fuType, t, ErrMalformed)
	}
	if start {
		if err := d.addNAL([]byte{indicator&(h264FlagF|h264MaskNRI) | t}); err != nil {
			return err
		}
		d.fu, d.fuType = true, t
	}
	if err := d.frame.append(fragment...); err != nil {
		return err
	}
	if end {
		d.fu = false
	}
	return nil
}

// addNAL adds a start code and the beginning of a NAL unit (a whole one,
// or the header of a fragmented one) and notes its type.
func (d *h264Depacketizer) addNAL(nal []byte) error {
	if err := d.frame.append(h264StartCode...); err != nil {
		return err
	}
	if err := d.frame.append(nal...); err != nil {
		return err
	}
	switch t := nal[0] & h264MaskType; {
	case t == h264NALIDR:
		d.frame.key = true
		d.vcl = true
	case t >= h264NALSlice && t < h264NALIDR:
		d.vcl = true
	}
	return nil
}

// closeOnMarker ends the access unit at its marker packet. One whose last
// FU-A did not end is dropped; one without a coded slice yet (parameter sets
// sent ahead) is kept open to be emitted with the next slices.
func (d *h264Depacketizer) closeOnMarker(out []Frame) ([]Frame, error) {
	switch {
	case d.fu:
		return out, d.fail(fmt.Errorf("h264: marker bit inside a FU-A: %w", ErrMalformed))
	case !d.vcl:
		return out, nil
	}
	return append(out, d.emit()), nil
}

// closeOnTimestampChange ends the open access unit when a packet of the next
// one arrives without a marker bit in between. An access unit whose FU-A is
// unfinished is dropped; one without a coded slice carries its NAL units
// over to the access unit of timestamp ts.
func (d *h264Depacketizer) closeOnTimestampChange(out []Frame, ts uint32) []Frame {
	switch {
	case d.fu:
		d.drop()
	case !d.vcl:
		d.frame.ts = ts
	default:
		out = append(out, d.emit())
	}
	return out
}

// emit closes the open access unit and returns it.
func (d *h264Depacketizer) emit() Frame {
	d.vcl = false
	return d.frame.emit()
}

// drop discards the open access unit.
func (d *h264Depacketizer) drop() {
	d.frame.drop()
	d.vcl = false
	d.fu = false
}

// fail drops the open access unit, waits for the next one and returns err.
func (d *h264Depacketizer) fail(err error) error {
	d.Reset()
	return err
}
