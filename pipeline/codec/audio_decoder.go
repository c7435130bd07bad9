package codec

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/roomcast/roomcast/pipeline/media"
)

// AudioDecoder decodes Opus packets (RFC 7587 payloads, no container)
// into AudioFrames of SampleRate Hz, Channels channels, float32: a mono
// stream comes out as two equal channels.
type AudioDecoder struct {
	avState
	fill packetFiller
	swr  swr
}

// NewAudioDecoder opens a decoder for media.CodecOpus (FFmpeg's native
// Opus decoder).
func NewAudioDecoder(c media.Codec) (*AudioDecoder, error) {
	if c != media.CodecOpus {
		return nil, fmt.Errorf("new audio decoder %q: %w", c, ErrUnsupportedCodec)
	}
	d := &AudioDecoder{swr: swr{outRate: SampleRate, outChannels: Channels}}
	if err := d.open(); err != nil {
		d.free()
		return nil, fmt.Errorf("opus decode: %w", err)
	}
	return d, nil
}

func (d *AudioDecoder) open() error {
	codec := astiav.FindDecoder(astiav.CodecIDOpus)
	if codec == nil {
		return fmt.Errorf("find decoder: %w", astiav.ErrDecoderNotFound)
	}
	if d.cc = astiav.AllocCodecContext(codec); d.cc == nil {
		return fmt.Errorf("alloc codec context: %w", errNoMemory)
	}
	// Without an OpusHead (RTP carries none) the decoder needs the
	// channel count: WebRTC always signals opus/48000/2 (RFC 7587 7).
	d.cc.SetSampleRate(SampleRate)
	d.cc.SetChannelLayout(astiav.ChannelLayoutStereo)
	d.cc.SetThreadCount(1)
	if err := d.cc.Open(codec, nil); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	d.pkt, d.frame = astiav.AllocPacket(), astiav.AllocFrame()
	if d.pkt == nil || d.frame == nil {
		return fmt.Errorf("alloc packet and frame: %w", errNoMemory)
	}
	return nil
}

// Decode decodes one Opus packet into its PCM, usually one frame of 10 to
// 60 ms stamped with the unit's PTS. A packet the decoder refuses returns
// an error wrapping ErrCorruptInput and leaves the decoder usable.
func (d *AudioDecoder) Decode(u *media.Unit) ([]*AudioFrame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, fmt.Errorf("opus decode: %w", ErrClosed)
	}
	if u == nil || len(u.Data) == 0 {
		return nil, fmt.Errorf("opus decode: %w: empty unit", ErrInvalidInput)
	}
	if err := d.fill.fill(d.pkt, u.Data, u.PTS, u.DTS); err != nil {
		return nil, fmt.Errorf("opus decode: packet: %w", err)
	}
	err := d.cc.SendPacket(d.pkt)
	d.pkt.Unref()
	if err != nil {
		return nil, decodeError("opus decode", err)
	}
	var frames []*AudioFrame
	for {
		err := d.cc.ReceiveFrame(d.frame)
		if isAgain(err) || isEOF(err) {
			return frames, nil
		}
		if err != nil {
			return frames, decodeError("opus decode", err)
		}
		f, err := d.convert(d.frame, u.PTS)
		d.frame.Unref()
		if err != nil {
			return frames, fmt.Errorf("opus decode: %w", err)
		}
		if f != nil {
			frames = append(frames, f)
		}
	}
}

// convert copies a decoded frame to 48 kHz stereo float32, stamped with
// its PTS or else the unit's; empty frames are skipped.
func (d *AudioDecoder) convert(src *astiav.Frame, unitPTS time.Duration) (*AudioFrame, error) {
	if src.NbSamples() <= 0 {
		return nil, nil
	}
	pcm, err := d.swr.convertFrame(src)
	if err != nil {
		return nil, err
	}
	if len(pcm) == 0 {
		return nil, nil
	}
	pts := unitPTS
	if src.Pts() != astiav.NoPtsValue {
		pts = time.Duration(src.Pts())
	}
	return &AudioFrame{PTS: pts, SampleRate: SampleRate, Channels: Channels, Samples: pcm}, nil
}

// Close frees the decoder. It is idempotent.
func (d *AudioDecoder) Close() { d.closeOnce(d.free) }

func (d *AudioDecoder) free() {
	d.swr.free()
	d.freeAV()
}
