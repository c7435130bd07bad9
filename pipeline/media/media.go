// Package media holds the types every pipeline stage shares: tracks and the
// timed access units that flow between them. It is the leaf of the import
// graph and depends on nothing else in roomcast.
package media

import (
	"fmt"
	"strings"
	"time"
)

// Kind is the kind of a track.
type Kind string

// Track kinds.
const (
	KindAudio Kind = "audio"
	KindVideo Kind = "video"
)

// Codec names a codec the way the API reports it.
type Codec string

// Codecs roomcast ingests.
const (
	CodecVP8  Codec = "VP8"
	CodecH264 Codec = "H264"
	CodecOpus Codec = "opus"
	// CodecAAC is AAC-LC, the audio roomcast encodes for RTMP and records.
	CodecAAC Codec = "AAC"
)

// ClockRate is the RTP clock rate of the codec (RFC 7741, RFC 6184, RFC 7587).
func (c Codec) ClockRate() uint32 {
	switch c {
	case CodecOpus, CodecAAC:
		return 48000
	default:
		return 90000
	}
}

// Kind returns the track kind the codec belongs to.
func (c Codec) Kind() Kind {
	if c == CodecOpus || c == CodecAAC {
		return KindAudio
	}
	return KindVideo
}

// ParseCodec maps a MIME type ("video/VP8") or a bare name ("vp8") to a Codec.
func ParseCodec(s string) (Codec, error) {
	name := s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		name = s[i+1:]
	}
	switch strings.ToLower(name) {
	case "vp8":
		return CodecVP8, nil
	case "h264":
		return CodecH264, nil
	case "opus":
		return CodecOpus, nil
	case "aac", "mp4a-latm":
		return CodecAAC, nil
	}
	return "", fmt.Errorf("unsupported codec %q (want VP8, H264 or opus)", s)
}

// Source is what a track carries.
type Source string

// Track sources.
const (
	SourceCamera     Source = "camera"
	SourceScreen     Source = "screen"
	SourceMicrophone Source = "microphone"
)

// IsScreen reports whether the track is a shared screen.
func (t *Track) IsScreen() bool { return t != nil && t.Source == SourceScreen }

// Track describes one media track of one participant in a room.
type Track struct {
	ID              string // unique within the room
	Kind            Kind
	Codec           Codec
	ClockRate       uint32
	ParticipantID   string
	ParticipantName string
	// Source says what a video track shows: SourceCamera (the default,
	// also for "") or SourceScreen, a shared screen.
	Source Source

	// Encoded tracks (the output of pipeline/codec) also describe their
	// format for muxers.
	Width, Height int // video
	FPS           int // video, nominal
	SampleRate    int // audio, Hz
	Channels      int // audio
	BitrateKbps   int // target bitrate, 0 when unknown
	// Config is the codec configuration: for AAC the AudioSpecificConfig
	// (ISO/IEC 14496-3); for H.264 the SPS and PPS in Annex-B.
	Config []byte
}

// Unit is one access unit of one track: a whole video frame or one audio
// packet, timed on the job's common clock.
type Unit struct {
	Track    *Track
	PTS, DTS time.Duration // on the ingest's common clock (from RTCP sender reports)
	Key      bool          // a keyframe (always true for audio)
	// Data is the payload: H.264 as Annex-B with 4-byte start codes,
	// VP8 as one compressed frame, Opus as one packet.
	Data []byte
	// Arrival is when the unit's last RTP packet reached roomcast; for a
	// frame encoded here, the arrival of the newest input unit it shows
	// (zero when there is none, as for encoded audio). Outputs measure the
	// latency they add from it.
	Arrival time.Time
	// Path is how the unit was made from its inputs, for the latency
	// outputs report per path.
	Path Path
}

// Path says how an output unit was made from the units that came in.
type Path uint8

// Paths.
const (
	PathSource      Path = iota // as it came in (the ingest's units), or unknown
	PathPassthrough             // an input unit sent on untouched
	PathTranscode               // decoded and encoded again, from one input
	PathComposite               // composed from several inputs and encoded
)

// String returns the path's name: source, passthrough, transcode or
// composite.
func (p Path) String() string {
	switch p {
	case PathPassthrough:
		return "passthrough"
	case PathTranscode:
		return "transcode"
	case PathComposite:
		return "composite"
	}
	return "source"
}
