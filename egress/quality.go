package egress

import (
	"encoding/json"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

// qualityReporter is a Media that reports quality.
type qualityReporter interface {
	Quality() composite.Quality
}

// quality reports the job's media; nil before media or without a
// report. Called with j.mu held.
func (j *Job) quality() *QualityInfo {
	var dropped *RecordDropped
	if j.rec != nil {
		dropped = recordDropped(j.rec.Status())
	}
	qr, ok := j.media.(qualityReporter)
	if !ok {
		if dropped != nil {
			return &QualityInfo{Participants: []ParticipantQuality{}, Canvases: []CanvasQuality{}, Recording: dropped}
		}
		return nil
	}
	q := qr.Quality()
	out := &QualityInfo{Participants: []ParticipantQuality{}, Canvases: []CanvasQuality{}, Recording: dropped}
	for _, p := range q.Participants {
		out.Participants = append(out.Participants, ParticipantQuality{
			ID: p.ID, Name: p.Name, AVOffsetMeanMs: ms(p.AVOffsetMean), AVOffsetMaxMs: ms(p.AVOffsetMax),
			FramesShown: p.FramesShown, FramesRepeated: p.FramesRepeated, FramesSkipped: p.FramesSkipped,
			VideoGaps: p.VideoGaps, AudioGaps: p.AudioGaps, DecodeErrors: p.DecodeErrors,
		})
	}
	for _, c := range q.Canvases {
		out.Canvases = append(out.Canvases, CanvasQuality{
			Name: c.Name, FramesEncoded: c.FramesEncoded, FramesUnchanged: c.FramesUnchanged, FramesDropped: c.FramesDropped,
			EncodeMsP50: ms(c.EncodeP50), EncodeMsP99: ms(c.EncodeP99),
		})
	}
	if q.AudioDropped+q.VideoDropped > 0 {
		out.Output = &OutputDropped{AudioUnits: q.AudioDropped, VideoUnits: q.VideoDropped}
	}
	return out
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// qualityJSON is the report for a recording's manifest.
func (j *Job) qualityJSON() json.RawMessage {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.media == nil {
		return nil
	}
	q := j.quality()
	if q == nil {
		return nil
	}
	b, err := json.Marshal(q)
	if err != nil {
		return nil
	}
	return b
}
