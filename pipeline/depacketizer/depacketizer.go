// Package depacketizer turns the in-order RTP packets of one track into
// frames (access units): RFC 7741 VP8, RFC 6184 H.264 (packetization-mode
// 1: single NAL units, STAP-A, FU-A) and RFC 7587 Opus. Malformed payloads
// are reported with ErrMalformed, never a panic, and frames are capped in
// size so that hostile input cannot grow memory without bound.
package depacketizer

import (
	"errors"
	"fmt"

	"github.com/pion/rtp"
	"github.com/roomcast/roomcast/pipeline/media"
)

// ErrMalformed is wrapped by every error a depacketizer returns for a
// payload that does not follow its RTP payload format.
var ErrMalformed = errors.New("malformed payload")

// Frame size caps: a frame growing beyond them is dropped with ErrMalformed,
// so that hostile input cannot grow memory without bound.
const (
	maxVideoFrameBytes = 4 << 20
	// maxAudioFrameBytes bounds one Opus packet: at most 48 frames (120 ms of
	// 2.5 ms frames) of at most 1275 bytes each (RFC 6716 section 3.4), plus
	// its headers and padding, all of which fit in one RTP packet.
	maxAudioFrameBytes = 64 << 10
)

// Frame is one depacketized access unit before it is put on the common clock.
type Frame struct {
	RTPTime uint32 // RTP timestamp of the frame
	Key     bool   // keyframe (VP8 key frame, H.264 access unit containing an IDR NAL; always true for Opus)
	// Data is the frame: H.264 as Annex-B, each NAL prefixed by 00 00 00 01;
	// VP8 as the VP8 frame (descriptors stripped, partitions concatenated);
	// Opus as the packet payload. The caller owns it.
	Data []byte
}

// Depacketizer turns the in-order RTP packets of one track into frames.
type Depacketizer interface {
	// Push takes the next packet in sequence order. It returns the frames that
	// this packet completes (a frame completes at the marker bit, or when the
	// timestamp changes while a frame is open — then the open frame is emitted
	// if it is complete enough to be useful, else dropped). Malformed payloads
	// return an error wrapping ErrMalformed; the open frame is dropped, never a
	// panic. The returned slice is the depacketizer's, reused by the next Push:
	// the caller keeps the Frames (and owns their Data), never the slice.
	Push(p *rtp.Packet) ([]Frame, error)
	// Reset drops any partial frame. The caller calls it after a sequence gap.
	Reset()
}

// New returns the depacketizer for codec c (media.CodecVP8,
// CodecH264, CodecOpus) or an error.
func New(c media.Codec) (Depacketizer, error) {
	switch c {
	case media.CodecVP8:
		return newVP8Depacketizer(), nil
	case media.CodecH264:
		return newH264Depacketizer(), nil
	case media.CodecOpus:
		return newOpusDepacketizer(), nil
	}
	return nil, fmt.Errorf("no depacketizer for codec %q", c)
}

// packetPayload returns the payload of p. skip reports a packet that carries
// no media and must be ignored without touching the open frame: a
// padding-only packet (RFC 3550 section 5.1), as senders use for bandwidth
// probing. Any other empty payload is malformed.
func packetPayload(codec string, p *rtp.Packet) (payload []byte, skip bool, err error) {
	switch {
	case p == nil:
		return nil, false, fmt.Errorf("%s: nil packet: %w", codec, ErrMalformed)
	case len(p.Payload) > 0:
		return p.Payload, false, nil
	case p.Padding:
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("%s: empty payload: %w", codec, ErrMalformed)
}

// frameList is the slice a depacketizer returns its frames in, reused from
// Push to Push so that a frame costs no slice of its own.
type frameList struct{ frames []Frame }

// start returns the empty list for one Push, letting go of the Data of the
// frames the last Push returned.
func (l *frameList) start() []Frame {
	clear(l.frames)
	return l.frames[:0]
}

// done keeps out's array for the next Push and returns out, nil when empty.
func (l *frameList) done(out []Frame) []Frame {
	l.frames = out
	if len(out) == 0 {
		return nil
	}
	return out
}

// frameAssembler accumulates the bytes of the open frame of a video
// depacketizer. Its buffer is reused from frame to frame; emit copies the
// frame out, so the caller owns what it gets.
type frameAssembler struct {
	codec string
	max   int
	buf   []byte
	ts    uint32
	open  bool
	key   bool
}

// begin opens a new frame with RTP timestamp ts, dropping any open one.
func (a *frameAssembler) begin(ts uint32) {
	a.buf = a.buf[:0]
	a.ts = ts
	a.open = true
	a.key = false
}

// drop discards the open frame.
func (a *frameAssembler) drop() {
	a.buf = a.buf[:0]
	a.open = false
	a.key = false
}

// append adds b to the open frame. It fails with ErrMalformed when the frame
// would grow beyond the cap; the caller then drops the frame.
func (a *frameAssembler) append(b ...byte) error {
	if len(a.buf)+len(b) > a.max {
		return fmt.Errorf("%s: frame larger than %d bytes: %w", a.codec, a.max, ErrMalformed)
	}
	a.buf = append(a.buf, b...)
	return nil
}

// emit closes the open frame and returns a copy of it.
func (a *frameAssembler) emit() Frame {
	f := Frame{RTPTime: a.ts, Key: a.key, Data: append([]byte(nil), a.buf...)}
	a.drop()
	return f
}
