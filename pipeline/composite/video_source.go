package composite

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// maxPendingFrames bounds the decoded frames of one source waiting for
// their output slot.
const maxPendingFrames = 60

// videoSource decodes one participant's video track for the canvas. It
// decodes only while wanted (shown by the layout and not passed through),
// so a room whose picture is one passed-through track decodes nothing.
// Unit runs on the track's ingest goroutine; frameAt on the output's.
type videoSource struct {
	track *media.Track
	log   *slog.Logger
	// wanted is set by the output: decode this track. keyframe asks its
	// publisher for a keyframe when decoding (re)starts.
	wanted   atomic.Bool
	keyframe func(trackID string)
	// decodeNanos, the layout's, counts the time spent in the decoder.
	decodeNanos *atomic.Int64

	mu       sync.Mutex
	decoder  *codec.VideoDecoder
	waitKey  bool                // decoding starts at the next keyframe
	frames   []*codec.VideoFrame // decoded, PTS order, not yet shown
	last     *codec.VideoFrame   // the newest frame at or before the last slot
	arrivals []unitArrival       // of the units decoded, PTS order, from last's on
	lastAt   time.Time           // when last's unit arrived
	decoded  uint64
	errors   uint64 // units the decoder refused
	overflow uint64 // frames dropped because the queue was full
	gaps     uint64 // breaks of over videoGap in the input
	lastUnit time.Duration
	seenUnit bool
	shown    offsetStats   // slot − capture time of each frame shown, and counts
	lastSlot time.Duration // the slot frameAt last served
	served   bool
	closed   bool
}

func newVideoSource(t *media.Track, log *slog.Logger, keyframe func(string), decodeNanos *atomic.Int64) *videoSource {
	return &videoSource{track: t, log: log, keyframe: keyframe, decodeNanos: decodeNanos, waitKey: true}
}

// started reports whether a unit of the track has come.
func (s *videoSource) started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seenUnit
}

// unit decodes one unit when the source is wanted.
func (s *videoSource) unit(u *media.Unit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seenUnit && u.PTS-s.lastUnit > videoGap {
		s.gaps++
	}
	s.lastUnit, s.seenUnit = u.PTS, true
	if s.closed {
		return
	}
	if !s.wanted.Load() {
		s.waitKey = true // a later start needs a keyframe
		return
	}
	if s.waitKey && !u.Key {
		return
	}
	s.waitKey = false
	if s.decoder == nil {
		d, err := codec.NewVideoDecoder(u.Track.Codec)
		if err != nil {
			s.errors++
			s.log.Warn("video decoder", "track", s.track.ID, "err", err)
			return
		}
		s.decoder = d
	}
	s.arrivals = append(s.arrivals, unitArrival{pts: u.PTS, at: u.Arrival})
	if n := len(s.arrivals) - 2*maxPendingFrames; n > 0 {
		s.arrivals = s.arrivals[n:]
	}
	start := time.Now()
	frames, err := s.decoder.Decode(u)
	s.decodeNanos.Add(int64(time.Since(start)))
	if err != nil {
		s.errors++
		s.log.Debug("video decode", "track", s.track.ID, "err", err)
		return
	}
	s.decoded += uint64(len(frames))
	s.frames = append(s.frames, frames...)
	if n := len(s.frames) - maxPendingFrames; n > 0 {
		s.overflow += uint64(n)
		s.reuse(s.frames[:n]...)
		s.frames = s.frames[n:]
	}
}

// want starts or stops decoding. Starting asks for a keyframe.
func (s *videoSource) want(on bool) {
	if s.wanted.Swap(on) == on {
		return
	}
	if on {
		s.keyframe(s.track.ID)
		return
	}
	s.mu.Lock()
	s.reuse(s.frames...)
	s.reuse(s.last)
	s.frames, s.last, s.arrivals = nil, nil, nil
	s.mu.Unlock()
}

// reuse gives frames nobody shows any more back to the decoder, for its
// next pictures. Called with s.mu held.
func (s *videoSource) reuse(fs ...*codec.VideoFrame) {
	if s.decoder == nil {
		return
	}
	for _, f := range fs {
		s.decoder.Reuse(f)
	}
}

// frameAt returns the newest decoded frame at or before pts (the last
// shown one when none is newer), or nil before any frame, for the output
// slot slot, and when its unit arrived. The first call of a slot counts
// the frame as shown (its slot − capture offset), repeated, or skipped
// over.
func (s *videoSource) frameAt(pts, slot time.Duration) (*codec.VideoFrame, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served && slot == s.lastSlot {
		return s.last, s.lastAt // another canvas of the same slot
	}
	s.lastSlot, s.served = slot, true
	popped := uint64(0)
	for len(s.frames) > 0 && s.frames[0].PTS <= pts {
		// The frame shown until now (or skipped over) is done with: every
		// canvas drew it in an earlier slot.
		s.reuse(s.last)
		s.last = s.frames[0]
		s.frames = s.frames[1:]
		popped++
	}
	if popped > 0 {
		s.lastAt = s.arrivalOf(s.last.PTS)
	}
	switch {
	case popped > 0:
		s.shown.shown++
		s.shown.skipped += popped - 1
		s.shown.add(slot - s.last.PTS)
	case s.last != nil:
		s.shown.repeat++
	}
	return s.last, s.lastAt
}

// unitArrival is when the unit of one PTS arrived.
type unitArrival struct {
	pts time.Duration
	at  time.Time
}

// arrivalOf returns when the unit of the frame of pts arrived (zero when
// unknown) and forgets the arrivals of older units. Called with s.mu held.
func (s *videoSource) arrivalOf(pts time.Duration) time.Time {
	i := 0
	for i < len(s.arrivals) && s.arrivals[i].pts < pts {
		i++
	}
	s.arrivals = s.arrivals[i:]
	if len(s.arrivals) > 0 && s.arrivals[0].pts == pts {
		return s.arrivals[0].at
	}
	return time.Time{}
}

// foldInto adds the source's counters to its participant's history.
func (s *videoSource) foldInto(h *participantHistory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h.video.merge(s.shown)
	h.videoGaps += s.gaps
	h.decodeErrors += s.errors
}

func (s *videoSource) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.decoder != nil {
		s.decoder.Close()
		s.decoder = nil
	}
	s.frames, s.last, s.arrivals = nil, nil, nil
}
