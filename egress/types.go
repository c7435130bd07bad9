package egress

import "github.com/roomcast/roomcast/api/types"

// The request and status types of a job, under their egress names: they
// are defined in api/types, which the API and its clients use without
// linking the pipeline.
type (
	Spec          = types.Spec
	LayoutSpec    = types.LayoutSpec
	CanvasSpec    = types.CanvasSpec
	VideoSpec     = types.VideoSpec
	AudioSpec     = types.AudioSpec
	BrandingSpec  = types.BrandingSpec
	TextStyleSpec = types.TextStyleSpec
	ImageSpec     = types.ImageSpec
	LogoSpec      = types.LogoSpec
	TitleSpec     = types.TitleSpec
	OutputsSpec   = types.OutputsSpec
	RecordSpec    = types.RecordSpec
	Target        = types.Target
	Update        = types.Update
	Filter        = types.Filter
	FieldError    = types.FieldError

	Info               = types.Info
	CanvasInfo         = types.CanvasInfo
	OutputsInfo        = types.OutputsInfo
	RTMPInfo           = types.RTMPInfo
	RecordInfo         = types.RecordInfo
	RecordDropped      = types.RecordDropped
	OutputDropped      = types.OutputDropped
	QualityInfo        = types.QualityInfo
	ParticipantQuality = types.ParticipantQuality
	CanvasQuality      = types.CanvasQuality
	State              = types.State
)

// Layouts.
const (
	LayoutSpeaker      = types.LayoutSpeaker
	LayoutSingle       = types.LayoutSingle
	LayoutGrid         = types.LayoutGrid
	LayoutPresentation = types.LayoutPresentation
	LayoutCustom       = types.LayoutCustom
)

// Limits of a job.
const (
	MaxWidth, MaxHeight = types.MaxWidth, types.MaxHeight
	MaxFPS              = types.MaxFPS
	MaxCanvases         = types.MaxCanvases
	MaxRTMPOutputs      = types.MaxRTMPOutputs
	MaxRetrySeconds     = types.MaxRetrySeconds
)

// CanvasMain names the main canvas in outputs.
const CanvasMain = types.CanvasMain

// Raw record tracks.
const RecordTracksRaw = types.RecordTracksRaw

// Job statuses.
const (
	StatusPending    = types.StatusPending
	StatusStarting   = types.StatusStarting
	StatusActive     = types.StatusActive
	StatusStopping   = types.StatusStopping
	StatusComplete   = types.StatusComplete
	StatusFailed     = types.StatusFailed
	StatusHandedOver = types.StatusHandedOver
)

// Output states.
const (
	StateConnecting   = types.StateConnecting
	StateLive         = types.StateLive
	StateReconnecting = types.StateReconnecting
	StateFailed       = types.StateFailed
	StateStopped      = types.StateStopped
	StateDegraded     = types.StateDegraded
)

// Errors of the API (the same values as types').
var (
	ErrNotFound    = types.ErrNotFound
	ErrEnded       = types.ErrEnded
	ErrNotRunning  = types.ErrNotRunning
	ErrUnavailable = types.ErrUnavailable
)

// URLs makes main-canvas targets of URLs.
func URLs(urls ...string) []Target { return types.URLs(urls...) }
