package egress

import (
	"fmt"
	"regexp"
)

// Layouts.
const (
	LayoutSpeaker = "speaker" // the active speaker's video and the mix of all audio
	LayoutSingle  = "single"  // one named participant's video and the mix of all audio
)

// Limits of the encoded video.
const (
	MaxWidth, MaxHeight = 1920, 1080
	MaxFPS              = 60
)

// Spec is an egress request: what to capture from a room and where to send it.
type Spec struct {
	Room        string      `json:"room"`
	Layout      string      `json:"layout,omitempty"`
	Participant string      `json:"participant,omitempty"` // for layout "single": the participant's name
	Video       VideoSpec   `json:"video"`
	Audio       AudioSpec   `json:"audio"`
	Outputs     OutputsSpec `json:"outputs"`
}

// VideoSpec is the encoded video.
type VideoSpec struct {
	Width       int `json:"width,omitempty"`
	Height      int `json:"height,omitempty"`
	FPS         int `json:"fps,omitempty"`
	BitrateKbps int `json:"bitrate_kbps,omitempty"`
	// KeyframeSeconds is the keyframe interval (2 s, what YouTube and
	// Facebook require).
	KeyframeSeconds float64 `json:"keyframe_seconds,omitempty"`
}

// AudioSpec is the encoded audio (AAC-LC, 48 kHz stereo).
type AudioSpec struct {
	BitrateKbps int `json:"bitrate_kbps,omitempty"`
}

// OutputsSpec lists the destinations.
type OutputsSpec struct {
	RTMP   []string    `json:"rtmp,omitempty"`
	Record *RecordSpec `json:"record,omitempty"`
}

// RecordSpec asks for a recording to the archive.
type RecordSpec struct {
	// SegmentSeconds is the target segment length (default 4); segments
	// are cut at the next keyframe after it.
	SegmentSeconds float64 `json:"segment_seconds,omitempty"`
	// Tracks "raw" also keeps each participant's tracks untranscoded.
	Tracks string `json:"tracks,omitempty"`
}

// Raw record tracks.
const RecordTracksRaw = "raw"

// FieldError is a request error on one named field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// WithDefaults fills unset fields: speaker layout, 1280×720 at 30 fps,
// 2500 kbps, keyframes every 2 s, AAC at 128 kbps.
func (s Spec) WithDefaults() Spec {
	if s.Layout == "" {
		s.Layout = LayoutSpeaker
	}
	v := &s.Video
	if v.Width == 0 && v.Height == 0 {
		v.Width, v.Height = 1280, 720
	}
	if v.FPS == 0 {
		v.FPS = 30
	}
	if v.BitrateKbps == 0 {
		v.BitrateKbps = 2500
	}
	if v.KeyframeSeconds == 0 {
		v.KeyframeSeconds = 2
	}
	if s.Audio.BitrateKbps == 0 {
		s.Audio.BitrateKbps = 128
	}
	if r := s.Outputs.Record; r != nil && r.SegmentSeconds == 0 {
		rc := *r
		rc.SegmentSeconds = 4
		s.Outputs.Record = &rc
	}
	return s
}

// Validate checks a spec (after WithDefaults), naming the field at fault.
// parseURL validates one RTMP URL (egress/rtmp.ParseTarget).
func (s Spec) Validate(parseURL func(string) error) error {
	if !nameRe.MatchString(s.Room) {
		return &FieldError{"room", "required: the name of an existing room"}
	}
	switch s.Layout {
	case LayoutSpeaker:
	case LayoutSingle:
		if s.Participant == "" {
			return &FieldError{"participant", `required with layout "single"`}
		}
	default:
		return &FieldError{"layout", fmt.Sprintf("unknown layout %q (want speaker or single)", s.Layout)}
	}
	if err := s.Video.validate(); err != nil {
		return err
	}
	if b := s.Audio.BitrateKbps; b < 32 || b > 512 {
		return &FieldError{"audio.bitrate_kbps", "must be between 32 and 512"}
	}
	return s.Outputs.validate(parseURL)
}

func (v VideoSpec) validate() error {
	switch {
	case v.Width < 16 || v.Width > MaxWidth || v.Width%2 != 0:
		return &FieldError{"video.width", fmt.Sprintf("must be even and between 16 and %d", MaxWidth)}
	case v.Height < 16 || v.Height > MaxHeight || v.Height%2 != 0:
		return &FieldError{"video.height", fmt.Sprintf("must be even and between 16 and %d", MaxHeight)}
	case v.FPS < 1 || v.FPS > MaxFPS:
		return &FieldError{"video.fps", fmt.Sprintf("must be between 1 and %d", MaxFPS)}
	case v.BitrateKbps < 100 || v.BitrateKbps > 20000:
		return &FieldError{"video.bitrate_kbps", "must be between 100 and 20000"}
	case v.KeyframeSeconds < 0.5 || v.KeyframeSeconds > 10:
		return &FieldError{"video.keyframe_seconds", "must be between 0.5 and 10"}
	}
	return nil
}

// MaxRTMPOutputs bounds the targets of one job.
const MaxRTMPOutputs = 32

func (o OutputsSpec) validate(parseURL func(string) error) error {
	if len(o.RTMP) == 0 && o.Record == nil {
		return &FieldError{"outputs", "at least one output is required (outputs.rtmp or outputs.record)"}
	}
	if r := o.Record; r != nil {
		if r.SegmentSeconds < 1 || r.SegmentSeconds > 30 {
			return &FieldError{"outputs.record.segment_seconds", "must be between 1 and 30"}
		}
		if r.Tracks != "" && r.Tracks != RecordTracksRaw {
			return &FieldError{"outputs.record.tracks", fmt.Sprintf("unknown value %q (want \"raw\" or nothing)", r.Tracks)}
		}
	}
	if len(o.RTMP) > MaxRTMPOutputs {
		return &FieldError{"outputs.rtmp", fmt.Sprintf("at most %d targets", MaxRTMPOutputs)}
	}
	for i, u := range o.RTMP {
		if err := parseURL(u); err != nil {
			return &FieldError{fmt.Sprintf("outputs.rtmp[%d]", i), err.Error()}
		}
	}
	return nil
}
