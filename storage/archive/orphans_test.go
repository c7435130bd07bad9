package archive

import (
	"fmt"
	"testing"
)

func seg(gen int, seq uint64, start float64) Segment {
	return Segment{
		File:     File{Name: GenName(gen, SegmentName(seq)), Size: 100, SHA256: fmt.Sprint(seq)},
		Sequence: seq, Init: GenName(gen, InitName(0)), Start: start, Duration: 2,
	}
}

// A recorder of generation 0 closed 0..4 and uploaded 0..2 when it
// died; generation 1 took over from 2 and wrote 3..5 (its own names).
func takenOver() (spooled, stored *Manifest) {
	stored = &Manifest{Summary: Summary{Generation: 1, Duration: 12, Size: 800}, Inits: []File{{Name: "init-0.mp4", Size: 100}, {Name: "g1-init-0.mp4", Size: 100}}}
	for i := range 3 {
		stored.Segments = append(stored.Segments, seg(0, uint64(i), float64(2*i)))
	}
	for i := 3; i < 6; i++ {
		s := seg(1, uint64(i), float64(2*i))
		s.Discontinuity = i == 3
		stored.Segments = append(stored.Segments, s)
	}
	stored.Discontinuities = []Discontinuity{{Sequence: 3, Reason: "recorder taken over by another worker"}}
	stored.Raw = []RawFile{{File: File{Name: "raw/alice/v-0001.mp4"}}, {File: File{Name: "raw/alice/g1-v-0001.mp4"}}}
	spooled = &Manifest{Inits: []File{{Name: "init-0.mp4", Size: 100}}}
	for i := range 5 {
		spooled.Segments = append(spooled.Segments, seg(0, uint64(i), float64(2*i)))
	}
	spooled.Raw = []RawFile{{File: File{Name: "raw/alice/v-0001.mp4"}}, {File: File{Name: "raw/alice/v-0002.mp4"}}}
	return spooled, stored
}

func TestMergeOrphansInTimeOrder(t *testing.T) {
	spooled, stored := takenOver()
	o := FindOrphans(spooled, stored, 0)
	if len(o.Segments) != 2 || o.Segments[0].Name != "seg-000003.m4s" || len(o.Raw) != 1 || len(o.Inits) != 0 {
		t.Fatalf("orphans %+v", o)
	}
	res, err := stored.MergeOrphans(o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Segments != 2 || res.Raw != 1 || res.SeqShift != 2 || res.TimeShift != 4 {
		t.Errorf("result %+v", res)
	}
	want := []string{"seg-000000.m4s", "seg-000001.m4s", "seg-000002.m4s", "seg-000003.m4s", "seg-000004.m4s", "g1-seg-000003.m4s", "g1-seg-000004.m4s", "g1-seg-000005.m4s"}
	for i, s := range stored.Segments {
		if s.Name != want[i] || s.Sequence != uint64(i) || s.Start != float64(2*i) {
			t.Errorf("segment %d: %s seq %d start %v; want %s seq %d start %d", i, s.Name, s.Sequence, s.Start, want[i], i, 2*i)
		}
		if s.Discontinuity != (i == 5) {
			t.Errorf("segment %d discontinuity %v", i, s.Discontinuity)
		}
	}
	if len(stored.Discontinuities) != 1 || stored.Discontinuities[0].Sequence != 5 {
		t.Errorf("discontinuities %+v: want the takeover's, before sequence 5", stored.Discontinuities)
	}
	if stored.Duration != 16 || stored.Size != 1000 || len(stored.Raw) != 3 {
		t.Errorf("duration %v size %d raw %d", stored.Duration, stored.Size, len(stored.Raw))
	}
	// Merging again changes nothing.
	if res, err := stored.MergeOrphans(o); err != nil || res.Segments != 0 || res.Raw != 0 || len(stored.Segments) != 8 {
		t.Errorf("second merge: %+v, %v, %d segments", res, err, len(stored.Segments))
	}
}

func TestMergeOrphansAfterTheEnd(t *testing.T) {
	// Nobody took over: the recording was ended with 0..2; the dead
	// recorder had 3 and 5 (4 was lost with it).
	stored := &Manifest{Inits: []File{{Name: "init-0.mp4"}}, Summary: Summary{Status: StatusInterrupted}}
	for i := range 3 {
		stored.Segments = append(stored.Segments, seg(0, uint64(i), float64(2*i)))
	}
	o := Orphans{Segments: []Segment{seg(0, 5, 10), seg(0, 3, 6)}}
	if _, err := stored.MergeOrphans(o); err != nil {
		t.Fatal(err)
	}
	if n := len(stored.Segments); n != 5 || stored.Segments[3].Name != "seg-000003.m4s" || stored.Segments[4].Name != "seg-000005.m4s" || stored.Segments[4].Sequence != 4 {
		t.Fatalf("segments %+v", stored.Segments)
	}
	if stored.Segments[3].Discontinuity || !stored.Segments[4].Discontinuity {
		t.Errorf("the lost segment is not marked: %+v", stored.Segments[3:])
	}
	if len(stored.Discontinuities) != 1 || stored.Discontinuities[0].Sequence != 4 {
		t.Errorf("discontinuities %+v", stored.Discontinuities)
	}
}

func TestMergeOrphansRefusesUnknownInit(t *testing.T) {
	_, stored := takenOver()
	s := seg(0, 9, 0)
	s.Init = "init-7.mp4"
	if _, err := stored.MergeOrphans(Orphans{Segments: []Segment{s}}); err == nil {
		t.Error("a segment whose init nobody has was merged")
	}
	s = seg(0, 9, 0)
	s.Name = "../x"
	if _, err := stored.MergeOrphans(Orphans{Segments: []Segment{s}}); err == nil {
		t.Error("a bad name was merged")
	}
}

func TestNameGeneration(t *testing.T) {
	for name, want := range map[string]int{
		"seg-000001.m4s": 0, "g1-seg-000001.m4s": 1, "g12-init-0.mp4": 12, "raw/alice/g3-v-0001.mp4": 3,
		"raw/g2x/v-0001.mp4": 0, "gx-seg.m4s": 0, "g-1-seg": 0, "g0-seg": 0, "raw/alice/v-0001.mp4": 0,
	} {
		if got := NameGeneration(name); got != want {
			t.Errorf("NameGeneration(%q) = %d, want %d", name, got, want)
		}
	}
}
