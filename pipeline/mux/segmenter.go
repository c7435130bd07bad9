package mux

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Errors of the segmenter.
var (
	ErrUnsupportedCodec = errors.New("unsupported codec")
	ErrUnknownTrack     = errors.New("unit of a track not given to the segmenter")
	ErrBadTracks        = errors.New("want at most one H.264 and one AAC track")
)

// DefaultTargetDuration is the segment length used when none is set.
const DefaultTargetDuration = 4 * time.Second

// SegmenterConfig configures a Segmenter.
type SegmenterConfig struct {
	// Tracks are at most one H.264 video and one AAC audio track.
	Tracks []*media.Track
	// TargetDuration is the length at which a segment is cut at the next
	// video keyframe (default 4 s).
	TargetDuration time.Duration
	// FirstSequence is the sequence number of the first segment (mfhd and
	// the HLS media sequence).
	FirstSequence uint64
	// StartTime is the decode time of the first segment on the media
	// timeline (tfdt), to continue a recording after a restart.
	StartTime time.Duration
}

// Segment is one finished media segment: styp + moof + mdat.
type Segment struct {
	Data     []byte
	Sequence uint64
	// PTS is the first sample's PTS of the main track (video if any) on
	// the units' clock; Start is its decode time on the media timeline.
	PTS, Start time.Duration
	Duration   time.Duration // of the main track
	Key        bool          // begins with a video keyframe
}

// SegmenterStats counts units the segmenter did not mux.
type SegmenterStats struct {
	// BeforeKeyframe counts units dropped while waiting for the first
	// video keyframe.
	BeforeKeyframe int
	// OutOfOrder counts units dropped because their DTS was not after the
	// track's previous DTS or before the recording's first unit.
	OutOfOrder int
}

// Segmenter cuts units into fragmented MP4 media segments (ISO/IEC
// 14496-12 §8.8, one moof with one traf per track, ISO/IEC 23000-19
// style). Segments start at a video keyframe. It is not safe for
// concurrent use.
type Segmenter struct {
	cfg     SegmenterConfig
	tracks  []*trackState
	main    *trackState // video if configured, else audio
	started bool
	needKey bool // after Flush: wait for a keyframe
	origin  time.Duration
	seq     uint64
	stats   SegmenterStats
}

// NewSegmenter checks the tracks and returns a Segmenter.
func NewSegmenter(cfg SegmenterConfig) (*Segmenter, error) {
	if cfg.TargetDuration <= 0 {
		cfg.TargetDuration = DefaultTargetDuration
	}
	if cfg.StartTime < 0 {
		return nil, fmt.Errorf("segmenter: negative StartTime %v", cfg.StartTime)
	}
	s := &Segmenter{cfg: cfg, seq: cfg.FirstSequence}
	var video, audio *trackState
	// Video is track 1 and audio track 2 whatever the order given, so
	// that every init segment of a recording numbers them alike (players
	// keep the first init's track mapping across EXT-X-MAP changes).
	tracks := slices.Clone(cfg.Tracks)
	slices.SortStableFunc(tracks, func(a, b *media.Track) int {
		return boolInt(a.Codec != media.CodecH264) - boolInt(b.Codec != media.CodecH264)
	})
	for _, t := range tracks {
		ts, err := newTrackState(t, uint32(len(s.tracks)+1))
		if err != nil {
			return nil, fmt.Errorf("segmenter: %w", err)
		}
		if (t.Codec == media.CodecH264 && video != nil) || (t.Codec == media.CodecAAC && audio != nil) {
			return nil, fmt.Errorf("segmenter: %w", ErrBadTracks)
		}
		if t.Codec == media.CodecH264 {
			video = ts
		} else {
			audio = ts
		}
		s.tracks = append(s.tracks, ts)
	}
	s.main = video
	if s.main == nil {
		s.main = audio
	}
	if s.main == nil {
		return nil, fmt.Errorf("segmenter: no tracks: %w", ErrBadTracks)
	}
	return s, nil
}

// WriteInit writes the init segment (ftyp + moov).
func (s *Segmenter) WriteInit(w io.Writer) error {
	_, err := w.Write(buildInit(s.tracks))
	return err
}

// Stats returns the drop counters.
func (s *Segmenter) Stats() SegmenterStats { return s.stats }

// Push adds a unit. Units must come in DTS order per track and roughly
// interleaved across tracks. When u is a video keyframe at least
// TargetDuration after the segment's start, the segment before it is
// returned.
func (s *Segmenter) Push(u *media.Unit) (*Segment, error) {
	if u == nil {
		return nil, ErrUnknownTrack
	}
	t := s.trackOf(u.Track)
	if t == nil {
		return nil, ErrUnknownTrack
	}
	if !s.started || s.needKey {
		if t != s.main || !u.Key {
			s.stats.BeforeKeyframe++
			return nil, nil
		}
		if !s.started {
			s.started, s.origin = true, u.DTS
		}
		s.needKey = false
	}
	if u.DTS < s.origin {
		s.stats.OutOfOrder++
		return nil, nil
	}
	smp := sample{
		dts: uint64(t.ticks(u.DTS - s.origin + s.cfg.StartTime)),
		cts: int32(t.ticks(u.PTS - u.DTS)),
		key: u.Key || t.track.Codec == media.CodecAAC, // every AAC frame is a sync sample
	}
	if t.track.Codec == media.CodecH264 {
		smp.data = t.avc.toAVCC(u.Data, u.Key)
	} else {
		smp.data = u.Data
	}
	if t.hasLast && smp.dts <= t.lastDTS {
		s.stats.OutOfOrder++
		return nil, nil
	}
	var done *Segment
	if t == s.main && u.Key && t.started && t.elapsed(smp.dts) >= uint64(t.ticks(s.cfg.TargetDuration)) {
		if t.held != nil {
			t.close(smp.dts - t.held.dts)
		}
		done = s.cut()
	}
	t.add(smp, u.PTS)
	return done, nil
}

// Flush closes the held samples with their nominal duration and returns
// the last, partial segment, or nil when there is none. Units pushed
// after Flush are dropped until the next video keyframe, so every
// segment still starts with one; the timeline continues.
func (s *Segmenter) Flush() (*Segment, error) {
	s.needKey = s.started
	return s.cut(), nil
}

// cut builds the segment from the closed samples of all tracks; samples
// still held (other than the main track's) close with nominal duration.
func (s *Segmenter) cut() *Segment {
	seg := &Segment{Sequence: s.seq}
	var parts []fragmentTrack
	for _, t := range s.tracks {
		t.close(0)
		if len(t.samples) == 0 {
			t.started = false
			continue
		}
		first := t.samples[0]
		pts := t.firstPTS
		ft, d := t.take()
		parts = append(parts, ft)
		if t == s.main {
			seg.PTS, seg.Start, seg.Duration, seg.Key = pts, t.duration(first.dts), d, first.key
		}
	}
	if len(parts) == 0 {
		return nil
	}
	if seg.Duration == 0 { // the main track had nothing: take any
		seg.Start = s.tracks[parts[0].id-1].duration(parts[0].baseTime)
		for _, p := range parts {
			var total uint64
			for _, smp := range p.samples {
				total += uint64(smp.duration)
			}
			seg.Duration = max(seg.Duration, s.tracks[p.id-1].duration(total))
		}
	}
	seg.Data = buildFragment(uint32(s.seq), parts)
	s.seq++
	return seg
}

func (s *Segmenter) trackOf(t *media.Track) *trackState {
	for _, ts := range s.tracks {
		if ts.track == t {
			return ts
		}
	}
	if t == nil {
		return nil
	}
	for _, ts := range s.tracks {
		if ts.track.ID != "" && ts.track.ID == t.ID {
			return ts
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
