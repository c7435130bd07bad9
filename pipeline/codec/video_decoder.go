package codec

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/roomcast/roomcast/pipeline/media"
)

// decoderThreads is the thread count of video decoders: one. A room's
// decoders already run side by side, one goroutine per participant, so
// slice threads only add hand-offs (BenchmarkComposite: 10 VP8 640x360
// participants cost 4 % of a core less with one thread than with two).
const decoderThreads = 1

// VideoDecoder decodes VP8 (RFC 7741 frames) or H.264 (Annex-B access
// units) into I420 VideoFrames in Go memory.
type VideoDecoder struct {
	avState
	name  string // "vp8 decode", "h264 decode"
	id    astiav.CodecID
	fill  packetFiller
	i420  i420Converter
	spare []*VideoFrame // frames given back by Reuse, for the next pictures
}

// maxReuse bounds the frames a decoder keeps for reuse.
const maxReuse = 4

// Reuse gives a frame the decoder returned back to it: the caller will
// not touch it again, and the decoder writes a later picture of the same
// size into it rather than allocating one. A compositor decoding every
// participant's every frame saves most of its garbage this way.
func (d *VideoDecoder) Reuse(f *VideoFrame) {
	if f == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.spare) < maxReuse && !d.closed {
		d.spare = append(d.spare, f)
	}
}

// newFrame returns a w×h frame to fill: a reused one when one fits.
func (d *VideoDecoder) newFrame(w, h int) *VideoFrame {
	for i, f := range d.spare {
		if f.Width == w && f.Height == h && f.StrideY == w {
			d.spare = append(d.spare[:i], d.spare[i+1:]...)
			return f
		}
	}
	return newUnfilledFrame(w, h)
}

// NewVideoDecoder opens a decoder for media.CodecVP8 or media.CodecH264.
func NewVideoDecoder(c media.Codec) (*VideoDecoder, error) {
	var id astiav.CodecID
	switch c {
	case media.CodecVP8:
		id = astiav.CodecIDVp8
	case media.CodecH264:
		id = astiav.CodecIDH264
	default:
		return nil, fmt.Errorf("new video decoder %q: %w", c, ErrUnsupportedCodec)
	}
	d := &VideoDecoder{name: codecName(c) + " decode", id: id}
	d.pkt, d.frame = astiav.AllocPacket(), astiav.AllocFrame()
	if err := d.open(); err != nil {
		d.free()
		return nil, fmt.Errorf("%s: %w", d.name, err)
	}
	return d, nil
}

// open opens a new codec context.
func (d *VideoDecoder) open() error {
	if d.pkt == nil || d.frame == nil {
		return fmt.Errorf("alloc packet and frame: %w", errNoMemory)
	}
	codec := astiav.FindDecoder(d.id)
	if codec == nil {
		return fmt.Errorf("find decoder: %w", astiav.ErrDecoderNotFound)
	}
	if d.cc = astiav.AllocCodecContext(codec); d.cc == nil {
		return fmt.Errorf("alloc codec context: %w", errNoMemory)
	}
	d.cc.SetThreadCount(decoderThreads)
	d.cc.SetThreadType(astiav.ThreadTypeSlice)
	if err := d.cc.Open(codec, nil); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	return nil
}

// Decode decodes one unit and returns the frames it completes, usually
// one, with the unit's PTS. A unit the codec refuses returns an error
// wrapping ErrCorruptInput and leaves the decoder usable; until the next
// keyframe it may return no frames.
func (d *VideoDecoder) Decode(u *media.Unit) ([]*VideoFrame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, fmt.Errorf("%s: %w", d.name, ErrClosed)
	}
	if u == nil || len(u.Data) == 0 {
		return nil, fmt.Errorf("%s: %w: empty unit", d.name, ErrInvalidInput)
	}
	if err := d.fill.fill(d.pkt, u.Data, u.PTS, u.DTS); err != nil {
		return nil, fmt.Errorf("%s: packet: %w", d.name, err)
	}
	defer d.pkt.Unref()
	return d.send(d.pkt)
}

// Flush drains the frames the decoder still holds (H.264 with reordering)
// and readies it for a new stream, which must start with a keyframe.
func (d *VideoDecoder) Flush() ([]*VideoFrame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, fmt.Errorf("%s: %w", d.name, ErrClosed)
	}
	frames, err := d.send(nil)
	// astiav v0.16 has no avcodec_flush_buffers: a drained context is
	// replaced by a fresh one.
	d.cc.Free()
	d.cc = nil
	if oerr := d.open(); oerr != nil {
		d.closed = true
		d.free()
		return frames, fmt.Errorf("%s: reopen: %w", d.name, oerr)
	}
	return frames, err
}

// send sends pkt (nil to drain) and receives the frames it completes.
func (d *VideoDecoder) send(pkt *astiav.Packet) ([]*VideoFrame, error) {
	err := d.cc.SendPacket(pkt)
	var frames []*VideoFrame
	if isAgain(err) { // output queue full: drain, then send again
		if frames, err = d.receive(frames); err != nil {
			return frames, err
		}
		err = d.cc.SendPacket(pkt)
	}
	if err != nil && !isEOF(err) {
		return frames, decodeError(d.name, err)
	}
	return d.receive(frames)
}

// receive appends every frame the decoder has ready.
func (d *VideoDecoder) receive(frames []*VideoFrame) ([]*VideoFrame, error) {
	for {
		err := d.cc.ReceiveFrame(d.frame)
		if isAgain(err) || isEOF(err) {
			return frames, nil
		}
		if err != nil {
			return frames, decodeError(d.name, err)
		}
		f, err := d.convert(d.frame)
		d.frame.Unref()
		if err != nil {
			return frames, fmt.Errorf("%s: %w", d.name, err)
		}
		if f != nil {
			frames = append(frames, f)
		}
	}
}

// convert copies a decoded frame into Go memory as I420; frames without a
// picture are skipped.
func (d *VideoDecoder) convert(src *astiav.Frame) (*VideoFrame, error) {
	w, h := src.Width(), src.Height()
	if w <= 0 || h <= 0 || w > maxDimension || h > maxDimension {
		return nil, nil
	}
	pts := time.Duration(src.Pts())
	if src.Pts() == astiav.NoPtsValue {
		pts = time.Duration(src.PktDts())
	}
	if src.PixelFormat() == astiav.PixelFormatYuv420P {
		f := d.newFrame(w, h)
		f.PTS = pts
		f.copyFromC(src, 0, 0)
		return f, nil
	}
	// Other formats, full-range YUVJ420P included (H.264 from phones
	// may signal it), go through libswscale.
	return d.i420.convert(src, pts)
}

// Close frees the decoder. It is idempotent.
func (d *VideoDecoder) Close() { d.closeOnce(d.free) }

func (d *VideoDecoder) free() {
	d.i420.free()
	d.freeAV()
}

// codecName is the lower-case name used in error messages.
func codecName(c media.Codec) string {
	switch c {
	case media.CodecVP8:
		return "vp8"
	case media.CodecH264:
		return "h264"
	case media.CodecOpus:
		return "opus"
	case media.CodecAAC:
		return "aac"
	}
	return string(c)
}
