package types

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/roomcast/roomcast/pipeline/composite/style"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// Layouts.
const (
	LayoutSpeaker      = "speaker"      // the active speaker large (with the others as thumbnails unless "thumbnails":false)
	LayoutSingle       = "single"       // one named participant's video
	LayoutGrid         = "grid"         // everyone in a grid, up to 25 tiles
	LayoutPresentation = "presentation" // a shared screen on the stage, cameras in a strip
	LayoutCustom       = "custom"       // the request's own regions
)

// Limits of the encoded video: a canvas within 1920×1080, landscape or
// portrait.
const (
	MaxWidth, MaxHeight = 1920, 1080
	MaxFPS              = 60
)

// Spec is an egress request: what to capture from a room and where to send it.
type Spec struct {
	Room string `json:"room"`
	LayoutSpec
	Video VideoSpec `json:"video"`
	// Canvases are renditions beside the main canvas (Video): say a 9:16
	// picture for a vertical platform. Outputs name the canvas they take.
	Canvases []CanvasSpec  `json:"canvases,omitempty"`
	Audio    AudioSpec     `json:"audio"`
	Branding *BrandingSpec `json:"branding,omitempty"`
	Outputs  OutputsSpec   `json:"outputs"`
}

// CanvasSpec is one rendition: a size, a bitrate, and optionally its own
// layout (without one it follows the job's, live changes included). It
// shares the job's frame rate and keyframe interval.
type CanvasSpec struct {
	Name        string `json:"name"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	BitrateKbps int    `json:"bitrate_kbps,omitempty"`
	Background  string `json:"background,omitempty"`
	LayoutSpec
}

// MaxCanvases bounds the renditions of one job.
const MaxCanvases = 3

// LayoutSpec is what the picture shows; PATCH /v1/egress/{id} can change
// it while the job runs.
type LayoutSpec struct {
	Layout      string `json:"layout,omitempty"`
	Participant string `json:"participant,omitempty"` // for layout "single": the participant's name
	// Fit is how pictures fill their tiles: "contain" (letterbox, the
	// default) or "cover" (crop to fill).
	Fit string `json:"fit,omitempty"`
	// Thumbnails, for layout "speaker": the others in a strip (default
	// true); false shows the speaker alone, full frame.
	Thumbnails *bool `json:"thumbnails,omitempty"`
	// MaxCameras in the presentation strip (default 4).
	MaxCameras int `json:"max_cameras,omitempty"`
	// Regions of layout "custom".
	Regions []tile.Region `json:"regions,omitempty"`
	// PlaceholderAfterSeconds is how long a stalled tile holds its last
	// frame before showing the participant's placeholder (default 3).
	PlaceholderAfterSeconds float64 `json:"placeholder_after_seconds,omitempty"`
}

// BrandingSpec is the job's look (white label): a background picture,
// a logo, a title bar and the name labels' style. Sizes in pixels are
// the main canvas's; renditions scale them to their own size.
type BrandingSpec struct {
	// Labels draws each participant's name under its tile (default true).
	Labels *bool `json:"labels,omitempty"`
	// Label is the labels' style (default: white on translucent black,
	// sized by the tile's height).
	Label *TextStyleSpec `json:"label,omitempty"`
	// Logo is a PNG in a corner of the picture.
	Logo *LogoSpec `json:"logo,omitempty"`
	// BackgroundImage is a PNG covering the canvas (scaled to cover,
	// centred) in place of video.background, which shows through where
	// it is transparent.
	BackgroundImage *ImageSpec `json:"background_image,omitempty"`
	// Title is a bar across the top or bottom with one line of text.
	Title *TitleSpec `json:"title,omitempty"`
}

// TextStyleSpec is how labels or the title are set, in the Go font.
type TextStyleSpec struct {
	// FontSize in pixels (6 to 200); 0 picks one by the height of the
	// tile (labels) or of the canvas (title).
	FontSize float64 `json:"font_size,omitempty"`
	// Color and Background are "#RRGGBB" or "#RRGGBBAA" (with alpha); a
	// transparent background ("#00000000") draws none.
	Color      string `json:"color,omitempty"`
	Background string `json:"background,omitempty"`
}

// ImageSpec is a picture in the request: a PNG file of at most 1 MB,
// base64 (standard alphabet; a "data:image/png;base64," prefix is fine).
type ImageSpec struct {
	PNGBase64 string `json:"png_base64"`
}

// LogoSpec is the logo: a PNG with alpha and where it goes.
type LogoSpec struct {
	PNGBase64 string `json:"png_base64"`
	// Position is top-left, top-right (the default), bottom-left or
	// bottom-right.
	Position string `json:"position,omitempty"`
	// Scale is the logo's width as a share of the canvas width, 0.02 to
	// 0.5 (default 0.12).
	Scale float64 `json:"scale,omitempty"`
	// Margin is the gap to the canvas edges in pixels (default 24).
	Margin *int `json:"margin,omitempty"`
}

// TitleSpec is the title bar.
type TitleSpec struct {
	Text     string `json:"text"`               // at most 120 characters
	Position string `json:"position,omitempty"` // top (the default) or bottom
	TextStyleSpec
}

// validate checks the branding, naming the field at fault; the PNGs are
// decoded in full, so a broken one is refused here and not by the job.
func (b *BrandingSpec) validate() error {
	if b == nil {
		return nil
	}
	if err := b.Label.validate("branding.label"); err != nil {
		return err
	}
	if l := b.Logo; l != nil {
		switch {
		case l.Position != "" && !slices.Contains(style.LogoPositions, l.Position):
			return &FieldError{"branding.logo.position", fmt.Sprintf("unknown position %q (want top-left, top-right, bottom-left or bottom-right)", l.Position)}
		case l.Scale != 0 && (l.Scale < style.MinLogoScale || l.Scale > style.MaxLogoScale):
			return &FieldError{"branding.logo.scale", fmt.Sprintf("must be between %v and %v (a share of the canvas width)", style.MinLogoScale, style.MaxLogoScale)}
		case l.Margin != nil && (*l.Margin < 0 || *l.Margin > style.MaxLogoMargin):
			return &FieldError{"branding.logo.margin", fmt.Sprintf("must be between 0 and %d pixels", style.MaxLogoMargin)}
		}
		if _, err := DecodePNG("branding.logo.png_base64", l.PNGBase64); err != nil {
			return err
		}
	}
	if bg := b.BackgroundImage; bg != nil {
		if _, err := DecodePNG("branding.background_image.png_base64", bg.PNGBase64); err != nil {
			return err
		}
	}
	if t := b.Title; t != nil {
		switch n := utf8.RuneCountInString(t.Text); {
		case strings.TrimSpace(t.Text) == "":
			return &FieldError{"branding.title.text", "required with a title"}
		case n > style.MaxTitleRunes:
			return &FieldError{"branding.title.text", fmt.Sprintf("%d characters, at most %d", n, style.MaxTitleRunes)}
		case t.Position != "" && t.Position != style.TitleTop && t.Position != style.TitleBottom:
			return &FieldError{"branding.title.position", fmt.Sprintf("unknown position %q (want top or bottom)", t.Position)}
		}
		return t.TextStyleSpec.validate("branding.title")
	}
	return nil
}

// validate checks a text style whose fields are named under prefix.
func (s *TextStyleSpec) validate(prefix string) error {
	if s == nil {
		return nil
	}
	if s.FontSize != 0 && (s.FontSize < style.MinFontSize || s.FontSize > style.MaxFontSize) {
		return &FieldError{prefix + ".font_size", fmt.Sprintf("must be between %d and %d pixels", style.MinFontSize, style.MaxFontSize)}
	}
	for _, c := range []struct{ field, value string }{{".color", s.Color}, {".background", s.Background}} {
		if _, err := style.ParseColor(c.value); c.value != "" && err != nil {
			return &FieldError{prefix + c.field, err.Error()}
		}
	}
	return nil
}

// ShowLabels reports whether tiles carry name labels.
func (b *BrandingSpec) ShowLabels() bool { return b == nil || b.Labels == nil || *b.Labels }

// ShowThumbnails reports whether the speaker layout has a strip.
func (l LayoutSpec) ShowThumbnails() bool { return l.Thumbnails == nil || *l.Thumbnails }

// VideoSpec is the encoded video.
type VideoSpec struct {
	// Background is the canvas colour, "#RRGGBB" (default black).
	Background  string `json:"background,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	FPS         int    `json:"fps,omitempty"`
	BitrateKbps int    `json:"bitrate_kbps,omitempty"`
	// KeyframeSeconds is the keyframe interval (2 s, what YouTube and
	// Facebook require).
	KeyframeSeconds float64 `json:"keyframe_seconds,omitempty"`
}

// AudioSpec is the encoded audio (AAC-LC, 48 kHz stereo).
type AudioSpec struct {
	BitrateKbps int `json:"bitrate_kbps,omitempty"`
	// Exclude lists participants (names or ids) left out of the mix.
	Exclude []string `json:"exclude,omitempty"`
}

// OutputsSpec lists the destinations.
type OutputsSpec struct {
	RTMP   []Target    `json:"rtmp,omitempty"`
	Record *RecordSpec `json:"record,omitempty"`
}

// RecordSpec asks for a recording to the archive.
type RecordSpec struct {
	// SegmentSeconds is the target segment length (default 4); segments
	// are cut at the next keyframe after it.
	SegmentSeconds float64 `json:"segment_seconds,omitempty"`
	// Tracks "raw" also keeps each participant's tracks untranscoded.
	Tracks string `json:"tracks,omitempty"`
	// Canvas is the canvas recorded ("" the main one).
	Canvas string `json:"canvas,omitempty"`
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
	if err := s.Video.validate(); err != nil {
		return err
	}
	if err := s.LayoutSpec.Validate(s.Video.Width, s.Video.Height); err != nil {
		return err
	}
	if len(s.Audio.Exclude) > 64 {
		return &FieldError{"audio.exclude", "at most 64 participants"}
	}
	if err := s.validateCanvases(); err != nil {
		return err
	}
	if err := s.checkCanvasNames(); err != nil {
		return err
	}
	if b := s.Audio.BitrateKbps; b < 32 || b > 512 {
		return &FieldError{"audio.bitrate_kbps", "must be between 32 and 512"}
	}
	if err := s.Branding.validate(); err != nil {
		return err
	}
	return s.Outputs.validate(parseURL)
}

// Validate checks the layout on a width×height canvas, naming the field
// at fault.
func (l LayoutSpec) Validate(width, height int) error {
	switch {
	case l.PlaceholderAfterSeconds < 0 || l.PlaceholderAfterSeconds > 600:
		return &FieldError{"placeholder_after_seconds", "must be between 0 and 600"}
	case l.Layout == LayoutCustom && len(l.Regions) == 0:
		return &FieldError{"regions", `required with layout "custom"`}
	case l.Layout != LayoutCustom && len(l.Regions) > 0:
		return &FieldError{"regions", `only with layout "custom"`}
	}
	err := l.View().Validate(width, height)
	var fe *tile.FieldError
	if errors.As(err, &fe) {
		return &FieldError{fe.Field, fe.Reason}
	}
	return err
}

// within reports whether w×h fits a 1920×1080 canvas, landscape or
// portrait.
func within(w, h int) bool {
	return (w <= MaxWidth && h <= MaxHeight) || (w <= MaxHeight && h <= MaxWidth)
}

func (v VideoSpec) validate() error {
	switch {
	case v.Width < 16 || v.Width > MaxWidth || v.Width%2 != 0:
		return &FieldError{"video.width", fmt.Sprintf("must be even and between 16 and %d", MaxWidth)}
	case v.Height < 16 || v.Height > MaxWidth || v.Height%2 != 0:
		return &FieldError{"video.height", fmt.Sprintf("must be even and between 16 and %d", MaxWidth)}
	case !within(v.Width, v.Height):
		return &FieldError{"video", fmt.Sprintf("canvas %dx%d is over 1920x1080 (or 1080x1920 portrait)", v.Width, v.Height)}
	case v.FPS < 1 || v.FPS > MaxFPS:
		return &FieldError{"video.fps", fmt.Sprintf("must be between 1 and %d", MaxFPS)}
	case v.BitrateKbps < 100 || v.BitrateKbps > 20000:
		return &FieldError{"video.bitrate_kbps", "must be between 100 and 20000"}
	case v.KeyframeSeconds < 0.5 || v.KeyframeSeconds > 10:
		return &FieldError{"video.keyframe_seconds", "must be between 0.5 and 10"}
	}
	if v.Background != "" {
		if _, err := style.ParseColor(v.Background); err != nil {
			return &FieldError{"video.background", err.Error()}
		}
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
	for i, t := range o.RTMP {
		if err := t.Validate(fmt.Sprintf("outputs.rtmp[%d]", i), parseURL); err != nil {
			return err
		}
	}
	return nil
}

// validateCanvases checks the renditions, naming the field at fault.
func (s Spec) validateCanvases() error {
	if len(s.Canvases) > MaxCanvases {
		return &FieldError{"canvases", fmt.Sprintf("at most %d besides the main canvas", MaxCanvases)}
	}
	seen := map[string]bool{}
	for i, c := range s.Canvases {
		field := fmt.Sprintf("canvases[%d]", i)
		switch {
		case !nameRe.MatchString(c.Name) || c.Name == CanvasMain:
			return &FieldError{field + ".name", fmt.Sprintf("want 1-64 of A-Z a-z 0-9 _ . -, not %q", CanvasMain)}
		case seen[c.Name]:
			return &FieldError{field + ".name", fmt.Sprintf("%q is used twice", c.Name)}
		}
		seen[c.Name] = true
		v := VideoSpec{Width: c.Width, Height: c.Height, FPS: s.Video.FPS, BitrateKbps: c.BitrateKbps, KeyframeSeconds: s.Video.KeyframeSeconds, Background: c.Background}
		if v.BitrateKbps == 0 {
			v.BitrateKbps = s.Video.BitrateKbps
		}
		if err := v.validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return &FieldError{field + strings.TrimPrefix(fe.Field, "video"), fe.Reason}
			}
			return err
		}
		if c.Layout != "" || c.Fit != "" || c.Regions != nil || c.Thumbnails != nil {
			if c.Layout == "" {
				return &FieldError{field + ".layout", "required with layout options"}
			}
			if err := c.LayoutSpec.Validate(c.Width, c.Height); err != nil {
				var fe *FieldError
				if errors.As(err, &fe) {
					return &FieldError{field + "." + fe.Field, fe.Reason}
				}
				return err
			}
		}
	}
	return nil
}

// CanvasMain names the main canvas in outputs.
const CanvasMain = "main"

// checkCanvasNames checks that every output takes a canvas the job has.
func (s Spec) checkCanvasNames() error {
	for i, t := range s.Outputs.RTMP {
		if !s.HasCanvas(t.Canvas) {
			return &FieldError{fmt.Sprintf("outputs.rtmp[%d].canvas", i), fmt.Sprintf("no canvas named %q", t.Canvas)}
		}
	}
	if r := s.Outputs.Record; r != nil && !s.HasCanvas(r.Canvas) {
		return &FieldError{"outputs.record.canvas", fmt.Sprintf("no canvas named %q", r.Canvas)}
	}
	return nil
}

// HasCanvas reports whether the job has a canvas of that name ("" and
// "main" are the main one).
func (s Spec) HasCanvas(name string) bool {
	if name == "" || name == CanvasMain {
		return true
	}
	for _, c := range s.Canvases {
		if c.Name == name {
			return true
		}
	}
	return false
}
