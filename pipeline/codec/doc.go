// Package codec decodes, scales, resamples and encodes media with FFmpeg.
// It is the only cgo package of roomcast and the only one that imports
// go-astiav: every exported type speaks plain Go (media.Unit, VideoFrame,
// AudioFrame), and frames live in Go memory, so they can cross goroutines
// and never leak C memory.
//
// Video: VideoDecoder (VP8, H.264) → VideoFrame (I420) → Scaler →
// VideoEncoder (libx264, CBR for RTMP, Annex-B access units).
// Audio: AudioDecoder (Opus) → AudioFrame (48 kHz stereo float32) →
// MixInto/Level → AudioEncoder (native AAC-LC, raw 1024-sample frames).
// Resampler converts any float32 PCM to 48 kHz stereo.
//
// The package builds against FFmpeg 5.1 through go-astiav v0.16.0. What
// that version lacks is done with a little cgo of our own: access to an
// AVFrame's planes (c.go) and libswresample (swr.go). Packets get the
// zeroed padding FFmpeg's bitstream readers need (packet.go), which
// astiav's Packet.FromData leaves out. FFmpeg logs to stderr; SetLogLevel
// quiets it.
//
// Each decoder, encoder, scaler and resampler is meant for one goroutine at
// a time; a mutex still guards it so that Close from another goroutine
// cannot free C memory under a running call. Close is idempotent, and every
// call after it returns ErrClosed.
package codec

import "errors"

// Errors.
var (
	// ErrClosed is returned by any call after Close.
	ErrClosed = errors.New("codec closed")
	// ErrUnsupportedCodec is returned for a media.Codec a constructor
	// does not handle.
	ErrUnsupportedCodec = errors.New("unsupported codec")
	// ErrInvalidConfig wraps a configuration the constructor rejects.
	ErrInvalidConfig = errors.New("invalid codec config")
	// ErrInvalidInput wraps a nil or empty unit or a malformed frame:
	// a caller's fault, not the stream's.
	ErrInvalidInput = errors.New("invalid input")
	// ErrCorruptInput wraps FFmpeg's refusal of a unit that is not valid
	// for the codec. The decoder stays usable: skip the unit and, for
	// video, ask the sender for a keyframe.
	ErrCorruptInput = errors.New("corrupt input")
)
