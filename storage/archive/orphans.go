package archive

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Orphans are what a recorder that lost its recording (killed, then
// taken over or ended by someone else) had closed but not yet uploaded
// when it died: found in its spool when it restarts, uploaded, and merged
// into the recording by whoever writes its manifest.
type Orphans struct {
	// Generation is the recorder generation that wrote them.
	Generation int       `json:"generation"`
	Inits      []File    `json:"inits,omitempty"`
	Segments   []Segment `json:"segments"`
	Raw        []RawFile `json:"raw,omitempty"`
}

// Empty reports whether there is nothing to merge.
func (o *Orphans) Empty() bool { return len(o.Segments) == 0 && len(o.Raw) == 0 }

// FindOrphans is what spooled, the last manifest a recorder of generation
// gen spooled, names that stored, the manifest in the store, does not:
// that recorder's segments, inits and raw parts the store's manifest
// never listed.
func FindOrphans(spooled, stored *Manifest, gen int) Orphans {
	have := stored.names()
	o := Orphans{Generation: gen}
	for _, s := range spooled.Segments {
		if !have[s.Name] && NameGeneration(s.Name) == gen {
			o.Segments = append(o.Segments, s)
		}
	}
	for _, f := range spooled.Inits {
		if !have[f.Name] && NameGeneration(f.Name) == gen {
			o.Inits = append(o.Inits, f)
		}
	}
	for _, f := range spooled.Raw {
		if !have[f.Name] && NameGeneration(f.Name) == gen {
			o.Raw = append(o.Raw, f)
		}
	}
	return o
}

func (m *Manifest) names() map[string]bool {
	have := make(map[string]bool, len(m.Segments)+len(m.Inits)+len(m.Raw))
	for _, s := range m.Segments {
		have[s.Name] = true
	}
	for _, f := range m.Inits {
		have[f.Name] = true
	}
	for _, f := range m.Raw {
		have[f.Name] = true
	}
	return have
}

// NameGeneration is the recorder generation that named an object (see
// GenName): the "g{n}-" prefix of its last path element, or 0.
func NameGeneration(name string) int {
	base := name[strings.LastIndexByte(name, '/')+1:]
	rest, ok := strings.CutPrefix(base, "g")
	if !ok {
		return 0
	}
	digits, _, ok := strings.Cut(rest, "-")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n <= 0 {
		return 0
	}
	return n
}

// MergeOrphans puts o into m in time order: the orphaned segments go
// right after the last segment of their own generation, before the
// segments of the recorder that took over (so before its discontinuity),
// and every later segment is renumbered and moved on the timeline by
// what was inserted. Objects m already names are skipped. It returns how
// many segments it inserted and the sequence and time shift of the
// segments after them.
func (m *Manifest) MergeOrphans(o Orphans) (MergeResult, error) {
	have := m.names()
	var segs []Segment
	for _, s := range o.Segments {
		if !have[s.Name] {
			segs = append(segs, s)
		}
	}
	sort.Slice(segs, func(a, b int) bool { return segs[a].Sequence < segs[b].Sequence })
	at := m.insertionPoint(o.Generation)
	if err := m.checkOrphans(segs, o.Inits, at); err != nil {
		return MergeResult{}, err
	}
	m.edits++
	res := m.insertSegments(segs, at, "")
	m.dropCoveredFill(&res)
	for _, f := range o.Inits {
		if !have[f.Name] {
			m.Inits = append(m.Inits, f)
			m.Size += f.Size
		}
	}
	for _, f := range o.Raw {
		if !have[f.Name] {
			m.Raw = append(m.Raw, f)
			res.Raw++
		}
	}
	return res, nil
}

// MergeResult is what MergeOrphans did.
type MergeResult struct {
	Segments  int     // segments inserted
	Raw       int     // raw parts added
	SeqShift  uint64  // added to the sequence of every later segment
	TimeShift float64 // seconds added to the start of every later segment
	Duration  float64 // seconds inserted
	// Removed and RemovedDuration are the fill segments taken out because
	// the recorder's own segments, merged now, cover their time.
	Removed         int
	RemovedDuration float64
}

// Shift is what moves the segments a live recorder adds after the merge:
// the segments and seconds inserted, less those removed.
func (r MergeResult) Shift() (seq int64, seconds float64) {
	return int64(r.Segments - r.Removed), r.Duration - r.RemovedDuration
}

// insertionPoint is the index after the last segment of generation gen
// or earlier.
func (m *Manifest) insertionPoint(gen int) int {
	at := 0
	for i, s := range m.Segments {
		if NameGeneration(s.Name) <= gen {
			at = i + 1
		}
	}
	return at
}

func (m *Manifest) checkOrphans(segs []Segment, inits []File, at int) error {
	known := map[string]bool{}
	for _, f := range m.Inits {
		known[f.Name] = true
	}
	for _, f := range inits {
		known[f.Name] = true
	}
	for _, s := range segs {
		if !validName(s.Name) || !known[s.Init] || s.Duration < 0 {
			return fmt.Errorf("%w: orphaned segment %q (init %q)", ErrBadManifest, s.Name, s.Init)
		}
	}
	return nil
}

// insertSegments puts segs at index at; reason, when set, marks a
// discontinuity before the first of them.
func (m *Manifest) insertSegments(segs []Segment, at int, reason string) MergeResult {
	res := MergeResult{Segments: len(segs)}
	if len(segs) == 0 {
		return res
	}
	next, start := segs[0].Sequence, segs[0].Start
	expect := next            // the dead recorder's own numbering
	var added []Discontinuity // the inserted segments' own, kept out of the shift below
	if at > 0 {
		prev := m.Segments[at-1]
		next, start, expect = prev.Sequence+1, prev.Start+prev.Duration, prev.Sequence+1
	} else if len(m.Segments) > 0 {
		next, start = m.Segments[0].Sequence, m.Segments[0].Start
	}
	for i := range segs {
		if i == 0 && reason != "" && at > 0 {
			segs[i].Discontinuity = true
			added = append(added, Discontinuity{Sequence: next, At: time.Now().UTC(), Reason: reason})
		} else if segs[i].Sequence != expect && (at > 0 || i > 0) {
			// The dead recorder lost some: a gap, counted.
			segs[i].Discontinuity = true
			added = append(added, Discontinuity{
				Sequence: next, At: time.Now().UTC(), Reason: "segments lost when the recorder died",
			})
		}
		expect = segs[i].Sequence + 1
		segs[i].Sequence, segs[i].Start = next, start
		next++
		start += segs[i].Duration
		m.Duration += segs[i].Duration
		m.Size += segs[i].Size
		res.Duration += segs[i].Duration
	}
	if at < len(m.Segments) {
		first := m.Segments[at].Sequence
		res.SeqShift = uint64(len(segs))
		res.TimeShift = start - m.Segments[at].Start
		for i := at; i < len(m.Segments); i++ {
			m.Segments[i].Sequence += res.SeqShift
			m.Segments[i].Start += res.TimeShift
		}
		for i := range m.Discontinuities {
			if m.Discontinuities[i].Sequence >= first {
				m.Discontinuities[i].Sequence += res.SeqShift
			}
		}
	}
	m.Segments = append(m.Segments[:at], append(segs, m.Segments[at:]...)...)
	m.Discontinuities = append(m.Discontinuities, added...)
	sort.SliceStable(m.Discontinuities, func(a, b int) bool { return m.Discontinuities[a].Sequence < m.Discontinuities[b].Sequence })
	return res
}
