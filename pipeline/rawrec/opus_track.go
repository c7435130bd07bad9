package rawrec

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Ogg Opus (RFC 7845).
const (
	opusRate = 48000
	// opusPacketsPerPage bounds a page to about 200 ms of 20 ms packets.
	opusPacketsPerPage = 10
	// maxOpusSamples is the longest packet, 120 ms (RFC 6716 §3.2.5).
	maxOpusSamples = 5760
)

// opusFrameSamples is the frame size of each TOC configuration at 48 kHz
// (RFC 6716 §3.1, Table 2).
var opusFrameSamples = [32]int64{
	480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK
	480, 960, 480, 960, // Hybrid
	120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT
}

// opusSamples is the duration of a packet in 48 kHz samples from its TOC
// byte and frame count (RFC 6716 §3.1, §3.2.5).
func opusSamples(p []byte) (int64, error) {
	if len(p) == 0 {
		return 0, fmt.Errorf("%w: empty opus packet", errBadUnit)
	}
	frames := int64(1)
	switch p[0] & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(p) < 2 {
			return 0, fmt.Errorf("%w: opus code 3 packet without frame count", errBadUnit)
		}
		frames = int64(p[1] & 0x3f)
	}
	n := frames * opusFrameSamples[p[0]>>3]
	if n == 0 || n > maxOpusSamples {
		return 0, fmt.Errorf("%w: opus packet of %d samples", errBadUnit, n)
	}
	return n, nil
}

// opusTrack writes Opus into Ogg parts; any packet may start a part.
type opusTrack struct{ channels int }

func (*opusTrack) ext() string { return "ogg" }

func (*opusTrack) check(u *media.Unit) (bool, error) {
	_, err := opusSamples(u.Data)
	return err == nil, err
}

func (o *opusTrack) newPart(w sink, u *media.Unit, _ time.Duration) (partWriter, error) {
	ch := o.channels
	if ch != 1 {
		ch = 2 // WebRTC signals opus/48000/2 whatever the packets carry
	}
	p := &oggOpusPart{start: u.PTS, ogg: oggWriter{w: w, serial: crc32.ChecksumIEEE(binary.LittleEndian.AppendUint64(nil, uint64(u.PTS)))}}
	if err := p.writeHeaders(ch); err != nil {
		return nil, err
	}
	if err := p.write(u); err != nil {
		return nil, err
	}
	return p, nil
}

// oggOpusPart writes one Ogg Opus part: OpusHead and OpusTags pages, then
// pages of packets whose granule positions follow their PTS relative to
// the part's start.
type oggOpusPart struct {
	ogg   oggWriter
	start time.Duration
}

// writeHeaders writes the identification header (RFC 7845 §5.1: version
// 1, pre-skip 0 as the part starts mid-stream, mapping family 0) and the
// comment header (§5.2), each on its own page.
func (p *oggOpusPart) writeHeaders(channels int) error {
	head := []byte("OpusHead")
	head = append(head, 1, byte(channels))
	head = binary.LittleEndian.AppendUint16(head, 0) // pre-skip
	head = binary.LittleEndian.AppendUint32(head, opusRate)
	head = binary.LittleEndian.AppendUint16(head, 0) // output gain
	head = append(head, 0)                           // channel mapping family
	tags := []byte("OpusTags")
	vendor := "roomcast"
	tags = binary.LittleEndian.AppendUint32(tags, uint32(len(vendor)))
	tags = append(tags, vendor...)
	tags = binary.LittleEndian.AppendUint32(tags, 0) // no comments
	if err := p.ogg.add(head, 0); err != nil {
		return err
	}
	if err := p.ogg.flush(oggBOS); err != nil {
		return err
	}
	if err := p.ogg.add(tags, 0); err != nil {
		return err
	}
	return p.ogg.flush(0)
}

// samplesOf converts d to 48 kHz samples, rounded.
func samplesOf(d time.Duration) int64 {
	sec, frac := int64(d/time.Second), int64(d%time.Second)
	return sec*opusRate + (frac*opusRate+int64(time.Second)/2)/int64(time.Second)
}

func (p *oggOpusPart) write(u *media.Unit) error {
	n, err := opusSamples(u.Data)
	if err != nil {
		return err
	}
	end := samplesOf(u.PTS-p.start) + n
	if end <= p.ogg.granule { // overlapping the previous packet
		end = p.ogg.granule + n
	}
	if err := p.ogg.add(u.Data, end); err != nil {
		return err
	}
	if p.ogg.packets >= opusPacketsPerPage {
		return p.ogg.flush(0)
	}
	return nil
}

// finish writes the last page with the end-of-stream flag; the part lasts
// until its last packet's granule position.
func (p *oggOpusPart) finish(time.Duration) (time.Duration, error) {
	if err := p.ogg.flush(oggEOS); err != nil {
		return 0, err
	}
	return time.Duration(p.ogg.granule) * time.Second / opusRate, nil
}
