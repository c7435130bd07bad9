package archive

import (
	"fmt"
	"slices"
	"time"
)

// FillOverlap is how much of a fill segment may repeat what the segment
// before it already holds: a fill segment that starts earlier than that
// before the end of the recorder's own media is removed.
const FillOverlap = 250 * time.Millisecond

// FillReason is the discontinuity before the segments a takeover filled
// in from the room's history.
const FillReason = "filled from the room's history after the takeover"

// MergeFill puts the segments the recorder of generation gen made from
// the room's history, for the time between the last stored segment and
// its own first one, in front of its own segments (which move after
// them), and drops those of them that segments already there cover.
func (m *Manifest) MergeFill(segs []Segment, inits []File, gen int) (MergeResult, error) {
	have := m.names()
	var keep []Segment
	for _, s := range segs {
		if !have[s.Name] {
			s.Fill = true
			keep = append(keep, s)
		}
	}
	at := m.insertionPoint(gen - 1)
	if err := m.checkOrphans(keep, inits, at); err != nil {
		return MergeResult{}, fmt.Errorf("fill: %w", err)
	}
	m.edits++
	res := m.insertSegments(keep, at, FillReason)
	for _, f := range inits {
		if !have[f.Name] {
			m.Inits = append(m.Inits, f)
			m.Size += f.Size
		}
	}
	m.dropCoveredFill(&res)
	return res, nil
}

// dropCoveredFill removes fill segments that start more than FillOverlap
// before the end of the media the recording already had before them: a
// killed recorder's own segments, merged after the fill was made, are
// the original and win. Later segments move back in sequence and time;
// a removed segment's discontinuity goes to the next one kept.
func (m *Manifest) dropCoveredFill(res *MergeResult) {
	var (
		covered time.Time // the end of the newest non-fill media
		out     = m.Segments[:0]
		removed uint64
		secs    float64
		disc    bool                  // a removed segment's break, for the next kept one
		moved   = map[uint64]uint64{} // old sequence → new, for removed segments and after
		pending []uint64              // removed sequences waiting for the next kept segment
	)
	for _, s := range m.Segments {
		if s.Fill && !s.Wall.IsZero() && s.Wall.Add(FillOverlap).Before(covered) {
			removed++
			secs += s.Duration
			disc = disc || s.Discontinuity
			m.Duration -= s.Duration
			m.Size -= s.Size
			pending = append(pending, s.Sequence)
			continue
		}
		if !s.Fill && s.WallEnd().After(covered) {
			covered = s.WallEnd()
		}
		if removed > 0 {
			old := s.Sequence
			s.Sequence -= removed
			s.Start -= secs
			s.Discontinuity = s.Discontinuity || disc
			disc = false
			moved[old] = s.Sequence
			for _, p := range pending {
				moved[p] = s.Sequence
			}
			pending = pending[:0]
		}
		out = append(out, s)
	}
	m.Segments = out
	if removed == 0 {
		return
	}
	m.renumberDiscontinuities(moved, pending)
	res.Removed += int(removed)
	res.RemovedDuration += secs
}

// renumberDiscontinuities applies moved to the breaks, drops those of
// segments removed at the end (gone), and keeps the fill's reason only
// before a fill segment.
func (m *Manifest) renumberDiscontinuities(moved map[uint64]uint64, gone []uint64) {
	fill := map[uint64]bool{}
	for _, s := range m.Segments {
		if s.Fill {
			fill[s.Sequence] = true
		}
	}
	out := m.Discontinuities[:0]
	at := map[uint64]bool{}
	for _, d := range m.Discontinuities {
		if slices.Contains(gone, d.Sequence) {
			continue
		}
		if n, ok := moved[d.Sequence]; ok {
			d.Sequence = n
		}
		if (d.Reason == FillReason && !fill[d.Sequence]) || at[d.Sequence] && d.Reason == FillReason {
			continue
		}
		at[d.Sequence] = true
		out = append(out, d)
	}
	m.Discontinuities = out
}
