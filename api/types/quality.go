package types

// QualityInfo is a job's quality report (also kept in its recording's
// manifest): per participant, the A/V offset and what happened to its
// frames and input; per canvas, the encoder's work and speed.
type QualityInfo struct {
	Participants []ParticipantQuality `json:"participants"`
	Canvases     []CanvasQuality      `json:"canvases"`
	// Recording counts what the recording lost to a full spool; absent
	// when nothing was lost.
	Recording *RecordDropped `json:"recording,omitempty"`
	// Output counts the encoded units the job's output left out as
	// late; absent when none.
	Output *OutputDropped `json:"output,omitempty"`
}

// OutputDropped counts the encoded units a job's output left out because
// they came after the other kind had been sent past them: each audio unit
// is a hole of 1024 samples (about 21 ms) in the sound, and video goes on
// at its next keyframe.
type OutputDropped struct {
	AudioUnits uint64 `json:"audio_units"`
	VideoUnits uint64 `json:"video_units"`
}

// ParticipantQuality is one participant's part of the report.
type ParticipantQuality struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// AVOffsetMeanMs is how much later its audio is than its video
	// (negative: audio early), on average; AVOffsetMaxMs bounds it.
	AVOffsetMeanMs float64 `json:"av_offset_mean_ms"`
	AVOffsetMaxMs  float64 `json:"av_offset_max_ms"`
	FramesShown    uint64  `json:"frames_shown"`
	FramesRepeated uint64  `json:"frames_repeated"`
	FramesSkipped  uint64  `json:"frames_skipped"`
	VideoGaps      uint64  `json:"video_gaps"`
	AudioGaps      uint64  `json:"audio_gaps"`
	DecodeErrors   uint64  `json:"decode_errors"`
}

// CanvasQuality is one canvas's part of the report.
type CanvasQuality struct {
	Name            string  `json:"name"`
	FramesEncoded   uint64  `json:"frames_encoded"`
	FramesUnchanged uint64  `json:"frames_unchanged"`
	FramesDropped   uint64  `json:"frames_dropped"`
	EncodeMsP50     float64 `json:"encode_ms_p50"`
	EncodeMsP99     float64 `json:"encode_ms_p99"`
}
