package codec

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// VideoEncoder encodes I420 frames to H.264 with libx264, tuned for RTMP
// ingest: CBR within a 1 s VBV buffer, an IDR every KeyframeInterval (no
// scene cuts), no B-frames by default, SPS and PPS in front of every IDR,
// and no lookahead (x264's zerolatency tune), so each frame in gives its
// access unit out at once.
type VideoEncoder struct {
	avState
	cfg     VideoEncoderConfig
	track   *media.Track
	keys    *keyframeClock
	wantKey atomic.Bool
	lastPTS time.Duration
	started bool
	flushed bool
}

// NewVideoEncoder opens a libx264 encoder.
func NewVideoEncoder(cfg VideoEncoderConfig) (*VideoEncoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new h264 encoder: %w", err)
	}
	cfg = cfg.withDefaults()
	e := &VideoEncoder{cfg: cfg, keys: newKeyframeClock(cfg.KeyframeInterval, cfg.FPS)}
	if err := e.open(); err != nil {
		e.freeAV()
		return nil, fmt.Errorf("new h264 encoder: %w", err)
	}
	config := ParameterSets(e.cc.ExtraData())
	if config == nil {
		e.freeAV()
		return nil, fmt.Errorf("new h264 encoder: no SPS and PPS in the extradata")
	}
	e.track = &media.Track{
		ID: cfg.TrackID, Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: media.CodecH264.ClockRate(),
		Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS, BitrateKbps: cfg.BitrateKbps, Config: config,
	}
	return e, nil
}

func (e *VideoEncoder) open() error {
	codec := astiav.FindEncoderByName("libx264")
	if codec == nil {
		return fmt.Errorf("find libx264: %w", astiav.ErrEncoderNotFound)
	}
	if e.cc = astiav.AllocCodecContext(codec); e.cc == nil {
		return fmt.Errorf("alloc codec context: %w", errNoMemory)
	}
	c := e.cfg
	e.cc.SetWidth(c.Width)
	e.cc.SetHeight(c.Height)
	e.cc.SetPixelFormat(astiav.PixelFormatYuv420P)
	// Timestamps are the input's nanoseconds: x264 passes them through,
	// and force-cfr below makes its rate control and VUI use FPS.
	e.cc.SetTimeBase(astiav.NewRational(1, int(time.Second)))
	e.cc.SetFramerate(astiav.NewRational(c.FPS, 1))
	e.cc.SetBitRate(int64(c.BitrateKbps) * 1000)
	e.cc.SetGopSize(c.keyint())
	e.cc.SetThreadCount(c.Threads)
	// Global header: SPS and PPS in the extradata for Track().Config;
	// repeat-headers keeps them in-band in front of every IDR too.
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	opts, err := x264Options(c)
	if err != nil {
		return err
	}
	defer opts.Free()
	if err := e.cc.Open(codec, opts); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	if e.frame, err = allocVideoFrame(c.Width, c.Height); err != nil {
		return err
	}
	if e.pkt = astiav.AllocPacket(); e.pkt == nil {
		return fmt.Errorf("alloc packet: %w", errNoMemory)
	}
	return nil
}

// x264Options are the encoder options: generic AVCodecContext ones and
// libx264's private ones.
func x264Options(c VideoEncoderConfig) (*astiav.Dictionary, error) {
	rate := strconv.Itoa(c.BitrateKbps * 1000)
	keyint := strconv.Itoa(c.keyint())
	d := astiav.NewDictionary()
	for _, kv := range [][2]string{
		{"preset", c.Preset},
		{"tune", "zerolatency"}, // no lookahead, no frame threads: no delay
		{"bf", strconv.Itoa(c.BFrames)},
		{"maxrate", rate},
		{"bufsize", rate}, // 1 s of VBV buffer
		{"keyint_min", keyint},
		{"forced-idr", "1"}, // a requested keyframe is an IDR, headers included
		// min-keyint is capped by x264 to keyint/2+1; without scene cuts it
		// does not matter: IDRs come every keyint frames, or when forced.
		{"x264-params", "scenecut=0:repeat-headers=1:force-cfr=1:keyint=" + keyint + ":min-keyint=" + keyint},
	} {
		if err := d.Set(kv[0], kv[1], 0); err != nil {
			d.Free()
			return nil, fmt.Errorf("option %s: %w", kv[0], err)
		}
	}
	return d, nil
}

// Track describes the encoded track; the same pointer is in every Unit.
func (e *VideoEncoder) Track() *media.Track { return e.track }

// RequestKeyframe makes the next encoded frame an IDR (after a viewer or
// an output joins, or a PLI). Safe to call from any goroutine.
func (e *VideoEncoder) RequestKeyframe() { e.wantKey.Store(true) }

// Encode encodes f, which must have the configured size and a PTS after
// the previous frame's, and returns the access units ready: H.264 Annex-B
// with 4-byte start codes, PTS and DTS on f's clock, Key on IDRs (which
// start with SPS and PPS). Without B-frames each frame gives one unit.
func (e *VideoEncoder) Encode(f *VideoFrame) ([]*media.Unit, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("h264 encode: %w", err)
	}
	if f.Width != e.cfg.Width || f.Height != e.cfg.Height {
		return nil, fmt.Errorf("h264 encode: %w: frame %dx%d, encoder %dx%d", ErrInvalidInput, f.Width, f.Height, e.cfg.Width, e.cfg.Height)
	}
	if e.started && f.PTS <= e.lastPTS {
		return nil, fmt.Errorf("h264 encode: %w: PTS %s not after %s", ErrInvalidInput, f.PTS, e.lastPTS)
	}
	if err := f.copyToC(e.frame, 0, 0, f.Width, f.Height); err != nil {
		return nil, fmt.Errorf("h264 encode: %w", err)
	}
	e.started, e.lastPTS = true, f.PTS
	e.frame.SetPts(int64(f.PTS))
	e.frame.SetPictureType(astiav.PictureTypeNone)
	if e.keys.next(f.PTS, e.wantKey.Swap(false)) {
		e.frame.SetPictureType(astiav.PictureTypeI)
	}
	return e.send(e.frame)
}

// Flush drains the units the encoder still holds (with B-frames). The
// encoder takes no frames after it.
func (e *VideoEncoder) Flush() ([]*media.Unit, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(); err != nil {
		return nil, err
	}
	e.flushed = true
	return e.send(nil)
}

func (e *VideoEncoder) usable() error {
	if e.closed {
		return fmt.Errorf("h264 encode: %w", ErrClosed)
	}
	if e.flushed {
		return fmt.Errorf("h264 encode: %w: flushed", ErrClosed)
	}
	return nil
}

// send sends frame (nil to drain) and receives the units ready.
func (e *VideoEncoder) send(frame *astiav.Frame) ([]*media.Unit, error) {
	var units []*media.Unit
	err := e.cc.SendFrame(frame)
	if isAgain(err) {
		if units, err = e.receive(units); err != nil {
			return units, err
		}
		err = e.cc.SendFrame(frame)
	}
	if err != nil {
		return units, fmt.Errorf("h264 encode: %w", err)
	}
	return e.receive(units)
}

// receive appends every access unit the encoder has ready.
func (e *VideoEncoder) receive(units []*media.Unit) ([]*media.Unit, error) {
	for {
		err := e.cc.ReceivePacket(e.pkt)
		if isAgain(err) || isEOF(err) {
			return units, nil
		}
		if err != nil {
			return units, fmt.Errorf("h264 encode: %w", err)
		}
		units = append(units, &media.Unit{
			Track: e.track,
			PTS:   time.Duration(e.pkt.Pts()),
			DTS:   time.Duration(e.pkt.Dts()),
			Key:   e.pkt.Flags().Has(astiav.PacketFlagKey),
			Data:  h264.JoinAnnexB(h264.SplitAnnexB(e.pkt.Data())),
		})
		e.pkt.Unref()
	}
}

// Close frees the encoder without draining it. It is idempotent.
func (e *VideoEncoder) Close() { e.closeOnce(e.freeAV) }
