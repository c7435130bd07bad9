package codec

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/roomcast/roomcast/pipeline/codecs/aac"
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
// The output is always stereo, but while both channels carry the same
// samples (a mono source, or a mix of mono sources: nearly every browser
// participant; or a side 40 dB under the mid, under what AAC codes) it
// encodes the mid alone, with the stereo encoder's bandwidth, and sends
// it as the mid channel of a stereo pair with a silent side
// (aac.MonoToStereo): players decode the same stereo stream, for about
// half the encoder's work. The first frame with more side switches it to
// stereo, and a third of a second of mono frames back; each switch primes
// the other encoder (opened at the first switch to it, then kept warm)
// with the frames before it, and the units go on without a gap or a
// repeated PTS.
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
	kbps      int
	pending   []float32 // interleaved samples short of a frame
	base      time.Duration
	sent      int64 // samples sent to the encoder
	started   bool
	flushed   bool

	mono     bool       // the open encoder is the mono one
	monoOff  bool       // a mono frame could not be made stereo: stay stereo
	equalRun int        // consecutive frames nearly mono
	faintRun int        // consecutive frames with a faint side (sideOf)
	history  []pcmFrame // the last primeFrames frames, to prime a new encoder
	emitted  bool       // a unit has been returned
	next     int64      // PTS in samples of the next unit to return
	spare    coder      // the other encoder, kept warm: nil cc before a switch
	spareAt  int64      // e.sent when spare was last used
	switches int        // encoder switches, for tests
	opens    int        // encoders opened, for tests
	failed   error      // a switch could not open its encoder
}

// coder is an open FFmpeg encoder, mono or stereo.
type coder struct {
	avCodec
	mono bool
}

// free frees what c holds; it may be empty.
func (c *coder) free() {
	c.freeAV()
	*c = coder{}
}

// pcmFrame is one frame of input, interleaved, at pts samples.
type pcmFrame struct {
	pts int64
	pcm []float32
}

// Mono/stereo switching: the encoder switched to is primed with
// primeFrames frames before the switch, and its units for them dropped.
// The first unit kept must overlap-add cleanly with the old encoder's
// last: FFmpeg's encoder needs about 6 frames to settle (primed with 2,
// the frame at the splice decoded 8 dB under the signal; with 6 or more,
// no worse than any other, TestAudioEncoderSwitchesMonoStereo). Stereo
// goes mono after monoAfterFrames mono frames (a third of a second): a
// switch costs primeFrames encodes, and a blip of side louder than faint
// costs two switches and this many stereo frames.
const (
	primeFrames     = 8
	monoAfterFrames = 16
)

// spareKeep is how long the encoder not in use is kept after the last
// switch, in samples: 30 s. A source whose side comes and goes switches
// more often; one that stays mono or stereo frees the other's memory,
// about 1.2 MB.
const spareKeep = 30 * SampleRate

// NewAudioEncoder opens an AAC-LC encoder at SampleRate with Channels.
func NewAudioEncoder(cfg AudioEncoderConfig) (*AudioEncoder, error) {
	if cfg.BitrateKbps == 0 {
		cfg.BitrateKbps = DefaultAudioBitrateKbps
	}
	if cfg.BitrateKbps < 16 || cfg.BitrateKbps > 512 {
		return nil, fmt.Errorf("new aac encoder: %w: BitrateKbps %d must be in 16..512", ErrInvalidConfig, cfg.BitrateKbps)
	}
	e := &AudioEncoder{kbps: cfg.BitrateKbps}
	if err := e.open(false); err != nil {
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

// open opens a stereo encoder, or a mono one with neither TNS nor PNS,
// the tools aac.MonoToStereo needs off, and with the stereo encoder's
// bandwidth.
func (e *AudioEncoder) open(mono bool) error {
	e.mono = mono
	e.opens++
	layout := astiav.ChannelLayoutStereo
	var opts *astiav.Dictionary
	if mono {
		layout = astiav.ChannelLayoutMono
		opts = astiav.NewDictionary()
		defer opts.Free()
		cutoff := strconv.Itoa(stereoCutoff(e.kbps))
		for _, kv := range [][2]string{{"aac_tns", "0"}, {"aac_pns", "0"}, {"cutoff", cutoff}} {
			if err := opts.Set(kv[0], kv[1], 0); err != nil {
				return fmt.Errorf("set %s: %w", kv[0], err)
			}
		}
	}
	codec := astiav.FindEncoderByName("aac")
	if codec == nil {
		return fmt.Errorf("find aac: %w", astiav.ErrEncoderNotFound)
	}
	if e.cc = astiav.AllocCodecContext(codec); e.cc == nil {
		return fmt.Errorf("alloc codec context: %w", errNoMemory)
	}
	e.cc.SetSampleFormat(astiav.SampleFormatFltp)
	e.cc.SetSampleRate(SampleRate)
	e.cc.SetChannelLayout(layout)
	e.cc.SetBitRate(int64(e.kbps) * 1000)
	e.cc.SetTimeBase(astiav.NewRational(1, SampleRate))
	e.cc.SetProfile(astiav.ProfileAacLow)
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	if err := e.cc.Open(codec, opts); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	if opts != nil && opts.Get("", nil, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)) != nil {
		return fmt.Errorf("open: the aac encoder took not all of its options")
	}
	if e.frameSize = e.cc.FrameSize(); e.frameSize <= 0 {
		return fmt.Errorf("frame size %d", e.frameSize)
	}
	if e.frame = astiav.AllocFrame(); e.frame == nil {
		return fmt.Errorf("alloc frame: %w", errNoMemory)
	}
	e.frame.SetSampleFormat(astiav.SampleFormatFltp)
	e.frame.SetSampleRate(SampleRate)
	e.frame.SetChannelLayout(layout)
	e.frame.SetNbSamples(e.frameSize)
	if err := e.frame.AllocBuffer(0); err != nil {
		return fmt.Errorf("alloc frame buffer: %w", err)
	}
	if e.pkt = astiav.AllocPacket(); e.pkt == nil {
		return fmt.Errorf("alloc packet: %w", errNoMemory)
	}
	return nil
}

// stereoCutoff is the bandwidth in Hz that FFmpeg's AAC encoder (the
// two-loop coder, with PNS on) gives a stereo pair at kbps when it is not
// told one: for b, 1.15 times the bitrate of a channel, the least of
// max(b/5, 15b/32 - 5500), 3000 + b/4, 12000 + b/16, 22 kHz and half the
// sample rate (AAC_CUTOFF_FROM_BITRATE, libavcodec/aacenc_utils.h):
// 16.6 kHz at 128 kbit/s. The mono encoder, with PNS off, left to itself
// would take the whole bitrate for its one channel and code up to 20 kHz:
// more work for the coder's search, in bands the stereo encoder leaves
// out, and a bandwidth that would step at every switch.
func stereoCutoff(kbps int) int {
	b := kbps * 1000 / Channels * 115 / 100
	c := max(b/5, b*15/32-5500)
	return min(c, 3000+b/4, 12000+b/16, 22000, SampleRate/2)
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
	return e.failed
}

// encode encodes one frame of at most frameSize interleaved samples, on
// the mono or the stereo encoder as its channels ask.
func (e *AudioEncoder) encode(pcm []float32) ([]*media.Unit, error) {
	in := pcmFrame{pts: e.sent, pcm: pcm}
	e.sent += int64(len(pcm) / Channels)
	if e.spare.cc != nil && e.sent-e.spareAt > spareKeep {
		e.spare.free()
	}
	var units []*media.Unit
	if mono := e.wantMono(pcm); mono != e.mono {
		got, err := e.switchTo(mono)
		if units = got; err != nil {
			return units, err
		}
	}
	got, err := e.encodeFrame(in)
	units = append(units, got...)
	if errors.Is(err, aac.ErrUnsupported) {
		// Never seen from FFmpeg's encoder; if it comes, stereo from
		// the frames before loses nothing.
		e.monoOff = true
		got, err = e.switchTo(false)
		units = append(units, got...)
		if err == nil {
			got, err = e.encodeFrame(in)
			units = append(units, got...)
		}
	}
	e.remember(in)
	return units, err
}

// wantMono reports whether pcm should go to the mono encoder.
func (e *AudioEncoder) wantMono(pcm []float32) bool {
	kind := sideOf(pcm)
	if kind == sideFaint {
		e.faintRun++
	} else {
		e.faintRun = 0
	}
	first := e.sent == int64(len(pcm)/Channels)
	switch {
	case e.monoOff:
		return false
	case kind == sideFaint && (e.mono || first) && e.faintRun < faintFrames:
		return true // a blip of faint side: not worth two switches
	case kind != sideNone:
		e.equalRun = 0
		return false
	}
	e.equalRun++
	return e.mono || first || e.equalRun >= monoAfterFrames
}

// sideKind is how much side a frame has.
type sideKind int

const (
	sideNone   sideKind = iota // under what AAC codes: mono
	sideFaint                  // at AAC's own coding error
	sideStereo                 // stereo
)

// Side to mid energy under which a frame is mono: 40 dB, under the error
// AAC-LC leaves at these rates (30 to 40 dB under the signal), so a
// stereo encode would spend next to nothing on it; or a side under -100
// dBFS. A stereo Opus stream of a mono source decodes with a side 50 to
// 80 dB under the mid in most frames, which would switch encoders
// otherwise. A side from 40 to 30 dB under the mid is faint: at the
// error AAC leaves. Such a stream has it in a frame or two now and then
// (where the Opus encoder's state jumps: a loop of a file, a packet lost
// and concealed); coded as mono, such a frame misses a side no louder
// than the encoder's own error there, where two switches would cost 16
// encodes. So a mono encoder switches for faint side only when it lasts
// faintFrames frames, more than one 20 ms Opus packet spans.
const (
	monoSideRatio  = 1e-4
	faintSideRatio = 1e-3
	monoSideFloor  = 1e-10
	faintFrames    = 3
)

// sideOf classes the side, (l-r)/2, of interleaved stereo pcm against its
// mid, (l+r)/2; equal channels have none.
func sideOf(pcm []float32) sideKind {
	var mid, side float64
	for i := 0; i+1 < len(pcm); i += 2 {
		l, r := float64(pcm[i]), float64(pcm[i+1])
		mid += (l + r) * (l + r)
		side += (l - r) * (l - r)
	}
	switch {
	case side <= monoSideRatio*mid || side <= monoSideFloor*4*float64(len(pcm)/2):
		return sideNone
	case side <= faintSideRatio*mid:
		return sideFaint
	}
	return sideStereo
}

// switchTo makes the mono or the stereo encoder the one in use, primed
// with the frames remembered; the units it returns for them are those not
// yet returned by the one before. The one before is kept warm as the
// spare, unfed until the next switch back: the frames that prime it then
// replace what it held, its pending units are older than any returned
// and dropped, and a warm encoder primes in a third of the time of a
// new one.
func (e *AudioEncoder) switchTo(mono bool) ([]*media.Unit, error) {
	e.switches++
	was := coder{avCodec: e.avCodec, mono: e.mono}
	e.avCodec = avCodec{}
	if e.spare.cc != nil && e.spare.mono == mono {
		e.avCodec, e.mono = e.spare.avCodec, mono
	} else {
		e.spare.free()
		if err := e.open(mono); err != nil {
			e.freeAV()
			was.free()
			e.failed = fmt.Errorf("aac encode: switch to mono %v: %w", mono, err)
			return nil, e.failed
		}
	}
	e.spare, e.spareAt = was, e.sent
	var units []*media.Unit
	for _, h := range e.history {
		got, err := e.encodeFrame(h)
		if units = append(units, got...); err != nil {
			return units, err
		}
	}
	return units, nil
}

// remember keeps a copy of f among the last primeFrames frames.
func (e *AudioEncoder) remember(f pcmFrame) {
	var buf []float32
	if len(e.history) == primeFrames {
		buf = e.history[0].pcm[:0]
		copy(e.history, e.history[1:])
		e.history = e.history[:primeFrames-1]
	}
	e.history = append(e.history, pcmFrame{pts: f.pts, pcm: append(buf, f.pcm...)})
}

// encodeFrame sends f to the open encoder.
func (e *AudioEncoder) encodeFrame(f pcmFrame) ([]*media.Unit, error) {
	if err := makeWritable(e.frame); err != nil {
		return nil, fmt.Errorf("aac encode: frame writable: %w", err)
	}
	n := len(f.pcm) / Channels
	e.frame.SetNbSamples(n)
	left := audioPlane(e.frame, 0, n)
	if e.mono {
		for i := range n {
			left[i] = (f.pcm[2*i] + f.pcm[2*i+1]) / 2 // the mid: l itself when l == r
		}
	} else {
		right := audioPlane(e.frame, 1, n)
		for i := range n {
			left[i], right[i] = f.pcm[2*i], f.pcm[2*i+1]
		}
	}
	e.frame.SetPts(f.pts)
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

// receive appends every AAC frame the encoder has ready and not yet
// returned by an encoder before it.
func (e *AudioEncoder) receive(units []*media.Unit) ([]*media.Unit, error) {
	for {
		err := e.cc.ReceivePacket(e.pkt)
		if isAgain(err) || isEOF(err) {
			return units, nil
		}
		if err != nil {
			return units, fmt.Errorf("aac encode: %w", err)
		}
		u, err := e.unit()
		e.pkt.Unref()
		if err != nil {
			return units, err
		}
		if u != nil {
			units = append(units, u)
		}
	}
}

// unit is the packet received as a stereo unit, or nil when a unit of its
// PTS has been returned already (priming after a switch).
func (e *AudioEncoder) unit() (*media.Unit, error) {
	at := e.pkt.Pts()
	if e.emitted && at < e.next {
		return nil, nil
	}
	data := e.pkt.Data()
	if e.mono {
		var err error
		if data, err = aac.MonoToStereo(make([]byte, 0, len(data)+8), data); err != nil {
			return nil, fmt.Errorf("aac encode: mono frame at %d: %w", at, err)
		}
	}
	e.emitted, e.next = true, at+int64(e.frameSize)
	pts := e.base + samplesToDuration(at, SampleRate)
	return &media.Unit{Track: e.track, PTS: pts, DTS: pts, Key: true, Data: data}, nil
}

// Close frees the encoder without draining it. It is idempotent.
func (e *AudioEncoder) Close() {
	e.closeOnce(func() {
		e.freeAV()
		e.spare.free()
	})
}
