package record

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/storage/archive"
)

// Source is the record output's reader of the job's stream;
// pipeline/fanout's *Reader satisfies it.
type Source interface {
	Read(ctx context.Context) (*media.Unit, error)
	Tracks() []*media.Track
	Reset()
}

// audioOnlyAfter is how long audio may come without any video before the
// recording starts as audio only; firstWait is how long the first
// keyframe waits for audio.
const (
	audioOnlyAfter = 5 * time.Second
	firstWait      = 2 * time.Second
)

// cutter is the segmenter state of a recording. Only Run uses it, and
// it survives a restart of Run so the timeline and numbering continue.
type cutter struct {
	segDur   time.Duration
	seg      *mux.Segmenter
	tracks   []*media.Track
	initName string
	inits    int
	nextSeq  uint64
	timeline time.Duration // media time where the next segmenter starts
	disc     string        // reason for a discontinuity before the next segment
	runs     int
	pending  []*media.Unit // the first units, held back by pushFirst
	dropRun  int           // segments dropped in a row for a full spool
}

// Run is the record output: it reads the job's stream until ctx ends (or
// the stream does), then closes the last segment. It returns an error
// when a segment cannot be spooled; the supervisor runs it again and the
// recording goes on after a discontinuity.
func (r *Recording) Run(ctx context.Context, src Source) error {
	c := &r.cut
	if c.runs > 0 {
		src.Reset()
		if err := r.flush(); err != nil {
			return err
		}
		if c.disc == "" { // a gap of dropped segments keeps its reason
			c.disc = "record output restarted"
		}
	}
	c.runs++
	for {
		u, err := src.Read(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return r.flush()
			}
			return fmt.Errorf("record: read: %w", err)
		}
		if err := r.push(u, src); err != nil {
			return err
		}
	}
}

// Connected reports whether the recording has its first segmenter.
func (r *Recording) Connected() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.man.Inits) > 0
}

func (r *Recording) push(u *media.Unit, src Source) error {
	c := &r.cut
	if c.seg == nil {
		return r.pushFirst(u, src)
	}
	if !hasTrack(c.tracks, u.Track) {
		if u.Track.Kind == media.KindVideo && !u.Key {
			return nil // a new video configuration starts at its keyframe
		}
		if !hasTrack(recordable(src.Tracks()), u.Track) {
			return nil // a codec the recording does not take
		}
		if err := r.reconfigure(recordable(src.Tracks()), "codec configuration changed"); err != nil {
			return err
		}
	}
	return r.pushSegmenter(u)
}

func (r *Recording) pushSegmenter(u *media.Unit) error {
	seg, err := r.cut.seg.Push(u)
	if err != nil || seg == nil {
		return nil // a unit the segmenter refuses is counted there
	}
	return r.addSegment(seg)
}

// pushFirst holds the first units back, from the first video keyframe,
// until the stream has shown both audio and video (or firstWait has
// passed; without video, audioOnlyAfter), so the first init segment
// describes every track.
func (r *Recording) pushFirst(u *media.Unit, src Source) error {
	c := &r.cut
	tracks := recordable(src.Tracks())
	if !hasTrack(tracks, u.Track) {
		return nil
	}
	video := u.Track.Kind == media.KindVideo
	switch {
	case video && u.Key && (len(c.pending) == 0 || c.pending[0].Track.Kind != media.KindVideo):
		c.pending = c.pending[:0] // video starts the recording
	case len(c.pending) == 0 && (video || hasKind(tracks, media.KindVideo)):
		return nil // wait for a video keyframe
	}
	c.pending = append(c.pending, u)
	span := u.PTS - c.pending[0].PTS
	ready := span >= audioOnlyAfter
	if c.pending[0].Track.Kind == media.KindVideo {
		ready = span >= firstWait || (hasKind(tracks, media.KindVideo) && hasKind(tracks, media.KindAudio))
	}
	if !ready {
		return nil
	}
	pending := c.pending
	c.pending = nil
	if err := r.reconfigure(tracks, ""); err != nil {
		return err
	}
	for _, p := range pending {
		if hasTrack(c.tracks, p.Track) {
			if err := r.pushSegmenter(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// reconfigure starts a new segmenter and init segment for tracks, after
// closing the current segment; reason marks the discontinuity.
func (r *Recording) reconfigure(tracks []*media.Track, reason string) error {
	c := &r.cut
	if c.seg != nil {
		if err := r.flush(); err != nil {
			return err
		}
		c.disc = reason
	}
	seg, err := mux.NewSegmenter(mux.SegmenterConfig{
		Tracks: tracks, TargetDuration: c.segDur, FirstSequence: c.nextSeq, StartTime: c.timeline,
	})
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	var init writerBuffer
	if err := seg.WriteInit(&init); err != nil {
		return fmt.Errorf("record: init segment: %w", err)
	}
	name := archive.GenName(r.man.Generation, archive.InitName(c.inits))
	if err := r.cfg.Spool.Enqueue(r.key(name), init.b); err != nil {
		r.setErr(err)
		return fmt.Errorf("record: spool %s: %w", name, err)
	}
	c.seg, c.tracks, c.initName = seg, tracks, name
	c.inits++
	r.noteInit(name, init.b, tracks)
	return nil
}

// flush closes the segment being built, if any.
func (r *Recording) flush() error {
	if r.cut.seg == nil {
		return nil
	}
	seg, _ := r.cut.seg.Flush()
	if seg == nil {
		return nil
	}
	return r.addSegment(seg)
}

// addSegment spools a closed segment, then the playlist and manifest
// naming it.
func (r *Recording) addSegment(seg *mux.Segment) error {
	if r.isAbandoned() {
		return nil
	}
	c := &r.cut
	name := archive.GenName(r.man.Generation, archive.SegmentName(seg.Sequence))
	c.nextSeq = seg.Sequence + 1
	c.timeline = seg.Start + seg.Duration
	if err := r.cfg.Spool.Enqueue(r.key(name), seg.Data); err != nil {
		if spoolFull(err) {
			r.segmentDropped(name, len(seg.Data), err)
			return nil
		}
		err = fmt.Errorf("record: segment %s lost: %w", name, err)
		r.setErr(err)
		c.disc = err.Error()
		return err
	}
	sum := sha256.Sum256(seg.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	s := archive.Segment{
		File:     archive.File{Name: name, Size: int64(len(seg.Data)), SHA256: hex.EncodeToString(sum[:])},
		Sequence: uint64(int64(seg.Sequence) + r.seqShift), Init: c.initName,
		Start: seg.Start.Seconds() + r.timeShift, Duration: seg.Duration.Seconds(), Discontinuity: c.disc != "",
	}
	if r.wallOf != nil {
		if w, ok := r.wallOf(seg.PTS); ok {
			s.Wall = w.UTC()
		}
		if r.firstWall.IsZero() {
			r.firstWall = s.Wall
		}
	}
	if c.disc != "" && len(r.man.Segments) > 0 {
		r.man.Discontinuities = append(r.man.Discontinuities, archive.Discontinuity{
			Sequence: s.Sequence, At: time.Now().UTC(), Reason: c.disc,
		})
	}
	if len(r.man.Segments) == 0 {
		s.Discontinuity = false
	}
	c.disc = ""
	r.segmentKeptLocked()
	r.man.Segments = append(r.man.Segments, s)
	r.man.Duration += seg.Duration.Seconds()
	r.man.Size += s.Size
	if err := r.publishLocked(); err != nil {
		r.lastErr = err
		if spoolFull(err) {
			return nil // the next segment's manifest names this one
		}
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

func (r *Recording) noteInit(name string, data []byte, tracks []*media.Track) {
	sum := sha256.Sum256(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.man.Inits = append(r.man.Inits, archive.File{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	r.man.Size += int64(len(data))
	for _, t := range tracks {
		switch t.Codec {
		case media.CodecH264:
			r.man.Video = &archive.VideoInfo{Codec: "h264", Width: t.Width, Height: t.Height, FPS: t.FPS}
		case media.CodecAAC:
			r.man.Audio = &archive.AudioInfo{Codec: "aac", SampleRate: t.SampleRate, Channels: t.Channels}
		}
	}
}

func (r *Recording) setErr(err error) {
	r.mu.Lock()
	r.lastErr = err
	r.mu.Unlock()
}

// recordable keeps the tracks the segmenter takes: the first H.264 and
// the first AAC track.
func recordable(ts []*media.Track) []*media.Track {
	var out []*media.Track
	for _, codec := range []media.Codec{media.CodecH264, media.CodecAAC} {
		for _, t := range ts {
			if t.Codec == codec {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

func hasTrack(ts []*media.Track, t *media.Track) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func hasKind(ts []*media.Track, k media.Kind) bool {
	for _, t := range ts {
		if t.Kind == k {
			return true
		}
	}
	return false
}
