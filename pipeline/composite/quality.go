package composite

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Quality is a job's quality report: per participant, how well its
// media was kept (A/V offset, frames shown, repeated and skipped, gaps,
// decode errors), and per canvas, the encoder's work and speed. None of
// it is a guess: each figure is counted where it happens.
type Quality struct {
	Participants []ParticipantQuality
	Canvases     []CanvasQuality
	// AudioDropped and VideoDropped count the encoded units the output
	// left out because they came after the other kind had been sent
	// past them (see Interleaver): each audio one is a hole of 1024
	// samples in the sound.
	AudioDropped, VideoDropped uint64
}

// ParticipantQuality is one participant's part of the report.
type ParticipantQuality struct {
	ID, Name string
	// AVOffsetMean is how much later its audio plays than its video,
	// relative to their capture times (negative: audio early), on
	// average; AVOffsetMax bounds its magnitude for any sample and frame.
	// Zero without both audio and video.
	AVOffsetMean, AVOffsetMax time.Duration
	// FramesShown counts its video frames that reached a canvas;
	// FramesRepeated output frames that showed a frame again (the source
	// is slower than the output, or stalled); FramesSkipped decoded
	// frames never shown (faster than the output).
	FramesShown, FramesRepeated, FramesSkipped uint64
	// VideoGaps and AudioGaps count breaks in its input (over 250 ms of
	// video or 100 ms of audio missing); DecodeErrors the units its
	// decoders refused.
	VideoGaps, AudioGaps, DecodeErrors uint64
}

// CanvasQuality is one canvas's part of the report.
type CanvasQuality struct {
	Name string
	// FramesEncoded counts encoded frames; FramesUnchanged those whose
	// picture did not change at all; FramesDropped encoded units left
	// out to keep time monotonic.
	FramesEncoded, FramesUnchanged, FramesDropped uint64
	// EncodeP50 and EncodeP99 are the time to compose and encode a frame
	// over the last few thousand frames.
	EncodeP50, EncodeP99 time.Duration
}

// Gaps in an input longer than these are counted.
const (
	videoGap = 250 * time.Millisecond
	audioGap = 100 * time.Millisecond
)

// offsetStats accumulates time offsets.
type offsetStats struct {
	n             int64
	sum           time.Duration
	lo, hi        time.Duration
	seenAny       bool
	shown, repeat uint64
	skipped       uint64
}

func (o *offsetStats) add(d time.Duration) {
	if !o.seenAny || d < o.lo {
		o.lo = d
	}
	if !o.seenAny || d > o.hi {
		o.hi = d
	}
	o.seenAny = true
	o.n++
	o.sum += d
}

func (o *offsetStats) mean() time.Duration {
	if o.n == 0 {
		return 0
	}
	return o.sum / time.Duration(o.n)
}

// merge adds other's figures to o.
func (o *offsetStats) merge(other offsetStats) {
	if other.seenAny {
		if !o.seenAny || other.lo < o.lo {
			o.lo = other.lo
		}
		if !o.seenAny || other.hi > o.hi {
			o.hi = other.hi
		}
		o.seenAny = true
	}
	o.n += other.n
	o.sum += other.sum
	o.shown += other.shown
	o.repeat += other.repeat
	o.skipped += other.skipped
}

// participantHistory is what a participant's ended tracks left.
type participantHistory struct {
	name                 string
	video, audio         offsetStats
	videoGaps, audioGaps uint64
	decodeErrors         uint64
}

// timings keeps the last durations of something for quantiles.
type timings struct {
	mu   sync.Mutex
	ring []time.Duration
	next int
}

const timingWindow = 4096

func (t *timings) add(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.ring) < timingWindow {
		t.ring = append(t.ring, d)
		return
	}
	t.ring[t.next] = d
	t.next = (t.next + 1) % timingWindow
}

// quantiles returns the p50 and p99.
func (t *timings) quantiles() (time.Duration, time.Duration) {
	t.mu.Lock()
	s := slices.Clone(t.ring)
	t.mu.Unlock()
	if len(s) == 0 {
		return 0, 0
	}
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}

// Quality returns the report so far; safe to call while Run runs.
func (l *Layout) Quality() Quality {
	l.mu.Lock()
	hist := map[string]*participantHistory{}
	for id, h := range l.history {
		c := *h
		hist[id] = &c
	}
	for _, src := range l.sources {
		src.foldInto(l.historyOf(hist, src.track.ParticipantID, src.track.ParticipantName))
	}
	for _, in := range l.tracks {
		in.foldInto(l.historyOf(hist, in.track.ParticipantID, in.track.ParticipantName))
	}
	l.mu.Unlock()
	var q Quality
	for id, h := range hist {
		q.Participants = append(q.Participants, h.report(id))
	}
	sort.Slice(q.Participants, func(i, j int) bool { return q.Participants[i].ID < q.Participants[j].ID })
	st := l.out.Stats()
	q.AudioDropped, q.VideoDropped = st.DroppedAudio, st.DroppedVideo
	for _, c := range l.canvases {
		p50, p99 := c.encode.quantiles()
		q.Canvases = append(q.Canvases, CanvasQuality{
			Name: c.cfg.Name, FramesEncoded: c.frames.Load(), FramesUnchanged: c.unchanged.Load(),
			FramesDropped: c.dropped.Load(), EncodeP50: p50, EncodeP99: p99,
		})
	}
	return q
}

// historyOf returns the history of a participant in hist, adding it.
func (l *Layout) historyOf(hist map[string]*participantHistory, id, name string) *participantHistory {
	h := hist[id]
	if h == nil {
		h = &participantHistory{name: name}
		hist[id] = h
	}
	return h
}

// report turns a history into its part of the report. The A/V offset is
// audio's (output − capture) minus video's.
func (h *participantHistory) report(id string) ParticipantQuality {
	p := ParticipantQuality{
		ID: id, Name: h.name, FramesShown: h.video.shown, FramesRepeated: h.video.repeat, FramesSkipped: h.video.skipped,
		VideoGaps: h.videoGaps, AudioGaps: h.audioGaps, DecodeErrors: h.decodeErrors,
	}
	if h.video.n > 0 && h.audio.n > 0 {
		p.AVOffsetMean = h.audio.mean() - h.video.mean()
		p.AVOffsetMax = max((h.audio.hi - h.video.lo).Abs(), (h.audio.lo - h.video.hi).Abs())
	}
	return p
}
