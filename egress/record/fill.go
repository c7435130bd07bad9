package record

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/storage/archive"
)

// FillSegment is the target length of the segments that fill a takeover
// gap: short, so that a killed recorder's own segments, merged later,
// replace little more than what they cover.
const FillSegment = time.Second

// ErrNoGap is returned by Fill when there is nothing to fill.
var ErrNoGap = errors.New("record: no takeover gap to fill")

// SetWallClock gives the recording the mapping from the stream's PTS to
// the wall clock, so each segment records when it was captured (what a
// later takeover fills from).
func (r *Recording) SetWallClock(f func(time.Duration) (time.Time, bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wallOf = f
}

// Gap is the wall-clock span nobody recorded before this recorder took
// the recording over: from the end of the stored media it resumed after
// to the start of its own first segment. ok is false when this recorder
// did not take over, the stored media has no wall time, its first
// segment is not closed yet, or the gap was filled.
func (r *Recording) Gap() (from, to time.Time, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	from, to = r.resumedEnd, r.firstWall
	if n := r.lastBeforeOwn(); n >= 0 {
		if e := r.man.Segments[n].WallEnd(); e.After(from) {
			from = e // orphans merged since
		}
	}
	ok = !r.filled && !from.IsZero() && !to.IsZero() && to.After(from)
	return from, to, ok
}

// lastBeforeOwn is the index of the last segment of an earlier
// generation, or -1.
func (r *Recording) lastBeforeOwn() int {
	for i := len(r.man.Segments) - 1; i >= 0; i-- {
		if archive.NameGeneration(r.man.Segments[i].Name) < r.man.Generation {
			return i
		}
	}
	return -1
}

// Fill stores units, encoded from the room's history for the gap
// (PTS 0 at wall time base), as segments of their own and merges them in
// front of this recorder's segments, after a discontinuity.
func (r *Recording) Fill(units []*media.Unit, base time.Time) (archive.MergeResult, error) {
	tracks := unitTracks(units)
	if len(units) == 0 || !hasKind(tracks, media.KindVideo) {
		return archive.MergeResult{}, fmt.Errorf("%w: no video to fill with", ErrNoGap)
	}
	r.mu.Lock()
	gen := r.man.Generation
	r.mu.Unlock()
	seg, err := mux.NewSegmenter(mux.SegmenterConfig{Tracks: tracks, TargetDuration: FillSegment})
	if err != nil {
		return archive.MergeResult{}, fmt.Errorf("record: fill: %w", err)
	}
	var init writerBuffer
	if err := seg.WriteInit(&init); err != nil {
		return archive.MergeResult{}, fmt.Errorf("record: fill init: %w", err)
	}
	initFile := archive.File{Name: archive.GenName(gen, "fill-init-0.mp4"), Size: int64(len(init.b)), SHA256: sum(init.b)}
	if err := r.cfg.Spool.Enqueue(r.key(initFile.Name), init.b); err != nil {
		return archive.MergeResult{}, fmt.Errorf("record: spool %s: %w", initFile.Name, err)
	}
	var segs []archive.Segment
	add := func(s *mux.Segment) error {
		if s == nil {
			return nil
		}
		name := archive.GenName(gen, fmt.Sprintf("fill-seg-%06d.m4s", s.Sequence))
		if err := r.cfg.Spool.Enqueue(r.key(name), s.Data); err != nil {
			return fmt.Errorf("record: spool %s: %w", name, err)
		}
		segs = append(segs, archive.Segment{
			File:     archive.File{Name: name, Size: int64(len(s.Data)), SHA256: sum(s.Data)},
			Sequence: s.Sequence, Init: initFile.Name, Duration: s.Duration.Seconds(),
			Wall: base.Add(s.PTS).UTC(), Fill: true,
		})
		return nil
	}
	for _, u := range units {
		s, err := seg.Push(u)
		if err != nil {
			continue // counted by the segmenter
		}
		if err := add(s); err != nil {
			return archive.MergeResult{}, err
		}
	}
	last, _ := seg.Flush()
	if err := add(last); err != nil {
		return archive.MergeResult{}, err
	}
	return r.mergeFill(segs, initFile)
}

func (r *Recording) mergeFill(segs []archive.Segment, init archive.File) (archive.MergeResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished || r.abandoned {
		return archive.MergeResult{}, ErrEnded
	}
	res, err := r.man.MergeFill(segs, []archive.File{init}, r.man.Generation)
	if err != nil {
		return res, fmt.Errorf("record: %s: %w", r.cfg.ID, err)
	}
	r.filled = true
	seq, secs := res.Shift()
	r.seqShift += seq
	r.timeShift += secs
	r.log.Info("filled the takeover gap from the room's history", "segments", res.Segments-res.Removed, "seconds", res.Duration-res.RemovedDuration)
	if err := r.publishLocked(); err != nil {
		return res, fmt.Errorf("record: %s: %w", r.cfg.ID, err)
	}
	return res, nil
}

// unitTracks are the tracks of units, in order of first appearance.
func unitTracks(units []*media.Unit) []*media.Track {
	var out []*media.Track
	for _, u := range units {
		if !hasTrack(out, u.Track) {
			out = append(out, u.Track)
		}
	}
	return out
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
