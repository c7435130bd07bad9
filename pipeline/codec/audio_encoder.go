package codec

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/roomcast/roomcast/pipeline/media"
)

// DefaultAudioBitrateKbps is the AAC bitrate when none is configured.
const DefaultAudioBitrateKbps = 128

// AudioEncoderConfig configures an AudioEncoder.
type AudioEncoderConfig struct {
	TrackID     string // ID of the encoded track
	BitrateKbps int    // DefaultAudioBitrateKbps if 0
}

// AudioEncoder encodes 48 kHz stereo PCM to AAC-LC with FFmpeg's native
// encoder: raw AAC frames of 1024 samples (no ADTS), for FLV and fMP4.
//
// PTS come from sample counts, starting at the first frame's PTS: feed
// continuous audio (silence in gaps) and the units are exactly 1024
// samples apart. The first unit is 1024 samples before the first input
// PTS: it carries the encoder's priming delay, and stamping it so keeps
// decoded audio in sync with the input.
type AudioEncoder struct {
	avState
	track     *media.Track
	frameSize int
	pending   []float32 // interleaved samples short of a frame
	base      time.Duration
	sent      int64 // samples sent to the encoder
	started   bool
	flushed   bool
}

// NewAudioEncoder opens an AAC-LC encoder at SampleRate with Channels.
func NewAudioEncoder(cfg AudioEncoderConfig) (*AudioEncoder, error) {
	if cfg.BitrateKbps == 0 {
		cfg.BitrateKbps = DefaultAudioBitrateKbps
	}
	if cfg.BitrateKbps < 16 || cfg.BitrateKbps > 512 {
		return nil, fmt.Errorf("new aac encoder: %w: BitrateKbps %d must be in 16..512", ErrInvalidConfig, cfg.BitrateKbps)
	}
	e := &AudioEncoder{}
	if err := e.open(cfg.BitrateKbps); err != nil {
		e.freeAV()
		return nil, fmt.Errorf("new aac encoder: %w", err)
	}
	asc := e.cc.ExtraData()
	if len(asc) < 2 {
		e.freeAV()
		return nil, fmt.Errorf("new aac encoder: no AudioSpecificConfig in the extradata")
	}
	// FFmpeg appends a sync extension that signals "no SBR" (0x2b7, 3
	// bytes); the 2-byte core (object type, rate index, channels) is what
	// FLV and MP4 muxers and players expect.
	asc = asc[:2]
	e.track = &media.Track{
		ID: cfg.TrackID, Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: media.CodecAAC.ClockRate(),
		SampleRate: SampleRate, Channels: Channels, BitrateKbps: cfg.BitrateKbps, Config: asc,
	}
	return e, nil
}

func (e *AudioEncoder) open(kbps int) error {
	codec := astiav.FindEncoderByName("aac")
	if codec == nil {
		return fmt.Errorf("find aac: %w", astiav.ErrEncoderNotFound)
	}
	if e.cc = astiav.AllocCodecContext(codec); e.cc == nil {
		return fmt.Errorf("alloc codec context: %w", errNoMemory)
	}
	e.cc.SetSampleFormat(astiav.SampleFormatFltp)
	e.cc.SetSampleRate(SampleRate)
	e.cc.SetChannelLayout(astiav.ChannelLayoutStereo)
	e.cc.SetBitRate(int64(kbps) * 1000)
	e.cc.SetTimeBase(astiav.NewRational(1, SampleRate))
	e.cc.SetProfile(astiav.ProfileAacLow)
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	if err := e.cc.Open(codec, nil); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	if e.frameSize = e.cc.FrameSize(); e.frameSize <= 0 {
		return fmt.Errorf("frame size %d", e.frameSize)
	}
	if e.frame = astiav.AllocFrame(); e.frame == nil {
		return fmt.Errorf("alloc frame: %w", errNoMemory)
	}
	e.frame.SetSampleFormat(astiav.SampleFormatFltp)
	e.frame.SetSampleRate(SampleRate)
	e.frame.SetChannelLayout(astiav.ChannelLayoutStereo)
	e.frame.SetNbSamples(e.frameSize)
	if err := e.frame.AllocBuffer(0); err != nil {
		return fmt.Errorf("alloc frame buffer: %w", err)
	}
	if e.pkt = astiav.AllocPacket(); e.pkt == nil {
		return fmt.Errorf("alloc packet: %w", errNoMemory)
	}
	return nil
}

// Track describes the encoded track; Config is the AudioSpecificConfig.
func (e *AudioEncoder) Track() *media.Track { return e.track }

// Encode buffers f, which must be SampleRate Hz with Channels (see
// Resampler), and returns the AAC frames it completes.
func (e *AudioEncoder) Encode(f *AudioFrame) ([]*media.Unit, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("aac encode: %w", err)
	}
	if f.SampleRate != SampleRate || f.Channels != Channels {
		return nil, fmt.Errorf("aac encode: %w: %d Hz %d channels, want %d Hz %d (resample first)", ErrInvalidInput, f.SampleRate, f.Channels, SampleRate, Channels)
	}
	if !e.started {
		e.started, e.base = true, f.PTS
	}
	e.pending = append(e.pending, f.Samples...)
	var units []*media.Unit
	n := e.frameSize * Channels
	off := 0
	for ; len(e.pending)-off >= n; off += n {
		got, err := e.encode(e.pending[off : off+n])
		units = append(units, got...)
		if err != nil {
			e.pending = append(e.pending[:0], e.pending[off+n:]...)
			return units, err
		}
	}
	e.pending = append(e.pending[:0], e.pending[off:]...)
	return units, nil
}

// Flush encodes the buffered samples as a last, short frame and drains
// the encoder. It takes no frames after it.
func (e *AudioEncoder) Flush() ([]*media.Unit, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(); err != nil {
		return nil, err
	}
	e.flushed = true
	var units []*media.Unit
	if len(e.pending) > 0 {
		got, err := e.encode(e.pending)
		e.pending = nil
		if units = got; err != nil {
			return units, err
		}
	}
	got, err := e.send(nil)
	return append(units, got...), err
}

func (e *AudioEncoder) usable() error {
	if e.closed {
		return fmt.Errorf("aac encode: %w", ErrClosed)
	}
	if e.flushed {
		return fmt.Errorf("aac encode: %w: flushed", ErrClosed)
	}
	return nil
}

// encode sends one frame of at most frameSize interleaved samples.
func (e *AudioEncoder) encode(pcm []float32) ([]*media.Unit, error) {
	if err := makeWritable(e.frame); err != nil {
		return nil, fmt.Errorf("aac encode: frame writable: %w", err)
	}
	n := len(pcm) / Channels
	e.frame.SetNbSamples(n)
	left, right := audioPlane(e.frame, 0, n), audioPlane(e.frame, 1, n)
	for i := range n {
		left[i], right[i] = pcm[2*i], pcm[2*i+1]
	}
	e.frame.SetPts(e.sent)
	e.sent += int64(n)
	return e.send(e.frame)
}

// send sends frame (nil to drain) and receives the AAC frames ready.
func (e *AudioEncoder) send(frame *astiav.Frame) ([]*media.Unit, error) {
	var units []*media.Unit
	err := e.cc.SendFrame(frame)
	if isAgain(err) {
		if units, err = e.receive(units); err != nil {
			return units, err
		}
		err = e.cc.SendFrame(frame)
	}
	if err != nil {
		return units, fmt.Errorf("aac encode: %w", err)
	}
	return e.receive(units)
}

// receive appends every AAC frame the encoder has ready.
func (e *AudioEncoder) receive(units []*media.Unit) ([]*media.Unit, error) {
	for {
		err := e.cc.ReceivePacket(e.pkt)
		if isAgain(err) || isEOF(err) {
			return units, nil
		}
		if err != nil {
			return units, fmt.Errorf("aac encode: %w", err)
		}
		pts := e.base + samplesToDuration(e.pkt.Pts(), SampleRate)
		units = append(units, &media.Unit{Track: e.track, PTS: pts, DTS: pts, Key: true, Data: e.pkt.Data()})
		e.pkt.Unref()
	}
}

// Close frees the encoder without draining it. It is idempotent.
func (e *AudioEncoder) Close() { e.closeOnce(e.freeAV) }
