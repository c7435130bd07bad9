package archive

import (
	"fmt"
	"testing"
	"time"
)

var wall0 = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

func walled(s Segment, at float64) Segment {
	s.Wall = wall0.Add(time.Duration(at * float64(time.Second)))
	return s
}

func fillSegs(gen int, from, to float64) []Segment {
	var out []Segment
	for i, at := 0, from; at < to; i, at = i+1, at+1 {
		out = append(out, walled(Segment{
			File:     File{Name: GenName(gen, fmt.Sprintf("fill-seg-%06d.m4s", i)), Size: 10, SHA256: fmt.Sprint("f", i)},
			Sequence: uint64(i), Init: GenName(gen, "fill-init-0.mp4"), Duration: 1,
		}, at))
	}
	return out
}

// takenOverWalled: generation 0 stored 0..2 (wall 0–6 s) and closed 3..4
// (6–10 s) that it never uploaded; generation 1 records from 14 s.
func takenOverWalled() (spooled, stored *Manifest) {
	spooled, stored = takenOver()
	for i := range spooled.Segments {
		spooled.Segments[i] = walled(spooled.Segments[i], float64(2*i))
	}
	for i := range stored.Segments {
		at := float64(2 * i)
		if i >= 3 {
			at += 8
		}
		stored.Segments[i] = walled(stored.Segments[i], at)
	}
	return spooled, stored
}

func checkSequence(t *testing.T, m *Manifest) {
	t.Helper()
	start := 0.0
	for i, s := range m.Segments {
		if s.Sequence != uint64(i) || s.Start != start {
			t.Errorf("segment %d %s: sequence %d start %v, want %d %v", i, s.Name, s.Sequence, s.Start, i, start)
		}
		start += s.Duration
	}
	if m.Duration != start {
		t.Errorf("duration %v, segments sum to %v", m.Duration, start)
	}
}

func reasons(m *Manifest) map[uint64]string {
	out := map[uint64]string{}
	for _, d := range m.Discontinuities {
		out[d.Sequence] = d.Reason
	}
	return out
}

// The fill goes between the stored segments and the new recorder's; when
// the killed recorder's own segments come later, they replace the fill
// segments they cover.
func TestFillThenOrphans(t *testing.T) {
	spooled, m := takenOverWalled()
	m.Duration = 12
	res, err := m.MergeFill(fillSegs(1, 6, 14), []File{{Name: "g1-fill-init-0.mp4", Size: 5}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Segments != 8 || res.Removed != 0 || res.SeqShift != 8 || res.TimeShift != 8 {
		t.Errorf("fill result %+v", res)
	}
	checkSequence(t, m)
	if got := reasons(m); got[3] != FillReason || got[11] == "" || len(got) != 2 {
		t.Errorf("discontinuities %+v", m.Discontinuities)
	}
	res, err = m.MergeOrphans(FindOrphans(spooled, m, 0))
	if err != nil {
		t.Fatal(err)
	}
	// The orphans cover 6–10 s: fills starting at 6..9 s go, 10..13 s stay.
	if res.Segments != 2 || res.Removed != 4 || res.RemovedDuration != 4 {
		t.Errorf("orphan result %+v", res)
	}
	if seq, secs := res.Shift(); seq != -2 || secs != 0 {
		t.Errorf("shift %d %v, want -2 0", seq, secs)
	}
	checkSequence(t, m)
	want := []string{"seg-000000.m4s", "seg-000001.m4s", "seg-000002.m4s", "seg-000003.m4s", "seg-000004.m4s",
		"g1-fill-seg-000004.m4s", "g1-fill-seg-000005.m4s", "g1-fill-seg-000006.m4s", "g1-fill-seg-000007.m4s",
		"g1-seg-000003.m4s", "g1-seg-000004.m4s", "g1-seg-000005.m4s"}
	if len(m.Segments) != len(want) {
		t.Fatalf("%d segments, want %d", len(m.Segments), len(want))
	}
	for i, s := range m.Segments {
		if s.Name != want[i] {
			t.Errorf("segment %d: %s, want %s", i, s.Name, want[i])
		}
		if s.Discontinuity != (i == 5 || i == 9) {
			t.Errorf("segment %d %s: discontinuity %v", i, s.Name, s.Discontinuity)
		}
	}
	if got := reasons(m); got[5] != FillReason || got[9] != "recorder taken over by another worker" || len(got) != 2 {
		t.Errorf("discontinuities %+v", m.Discontinuities)
	}
}

// Orphans merged first: a fill made from the end of them keeps all of its
// segments; one made from before them loses what they cover.
func TestOrphansThenFill(t *testing.T) {
	spooled, m := takenOverWalled()
	if _, err := m.MergeOrphans(FindOrphans(spooled, m, 0)); err != nil {
		t.Fatal(err)
	}
	res, err := m.MergeFill(fillSegs(1, 10, 14), []File{{Name: "g1-fill-init-0.mp4"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Segments != 4 || res.Removed != 0 {
		t.Errorf("result %+v", res)
	}
	checkSequence(t, m)
	if m.Segments[5].Name != "g1-fill-seg-000000.m4s" || !m.Segments[5].Discontinuity || m.Segments[9].Name != "g1-seg-000003.m4s" {
		t.Errorf("segments %+v", m.Segments)
	}
	_, m = takenOverWalled()
	spooled, _ = takenOverWalled()
	if _, err := m.MergeOrphans(FindOrphans(spooled, m, 0)); err != nil {
		t.Fatal(err)
	}
	res, err = m.MergeFill(fillSegs(1, 9.9, 14), nil, 1)
	if err == nil {
		t.Fatalf("a fill naming an unknown init merged: %+v", res)
	}
	res, err = m.MergeFill(fillSegs(1, 8, 14), []File{{Name: "g1-fill-init-0.mp4"}}, 1)
	if err != nil || res.Segments != 6 || res.Removed != 2 {
		t.Errorf("result %+v, %v: want 6 inserted, the 2 under the orphans removed", res, err)
	}
	checkSequence(t, m)
}
