package record

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// TestFillTakeoverGap: the first recorder stores 0–4 s and hands over;
// the next one records from 7 s. It knows the gap from the segments'
// wall times, and the fill (here the fixture's own 4–7 s) goes between
// the two, behind a discontinuity of its own.
func TestFillTakeoverGap(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	clock := func(pts time.Duration) (time.Time, bool) { return t0.Add(pts), true }
	first := e.start(t, 2*time.Second)
	first.SetWallClock(clock)
	before, rest := splitAt(fx.Units, 4*time.Second)
	gap, after := splitAt(rest, 7*time.Second)
	runAndDetach(t, first, before)
	e.flush(t)
	stored, err := e.cat.Get(context.Background(), "acme", first.ID())
	if err != nil {
		t.Fatal(err)
	}
	second, err := Start(Config{
		ID: first.ID(), Tenant: "acme", Room: "hall", Egress: "EG_1", SegmentDuration: 2 * time.Second,
		Spool: e.spool, WorkDir: e.work, Resume: stored,
	})
	if err != nil {
		t.Fatal(err)
	}
	second.SetWallClock(clock)
	if _, _, ok := second.Gap(); ok {
		t.Error("a gap before the new recorder's first segment")
	}
	var filled archive.MergeResult
	src := &hookSource{sliceSource: sliceSource{units: after}, at: len(after) - 1, hook: func() {
		from, to, ok := second.Gap()
		if !ok || !from.Equal(t0.Add(4*time.Second)) || !to.Equal(t0.Add(7*time.Second)) {
			t.Errorf("gap %v – %v (%v), want 4 s – 7 s", from.Sub(t0), to.Sub(t0), ok)
		}
		var units []*media.Unit
		for _, u := range gap {
			c := *u
			c.PTS, c.DTS = u.PTS-4*time.Second, u.DTS-4*time.Second
			units = append(units, &c)
		}
		if filled, err = second.Fill(units, from); err != nil {
			t.Errorf("Fill: %v", err)
		}
		if _, _, ok := second.Gap(); ok {
			t.Error("still a gap after the fill")
		}
	}}
	if err := second.Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	m := e.finish(t, second)
	if filled.Segments != 3 || filled.Removed != 0 {
		t.Errorf("fill result %+v, want three 1 s segments", filled)
	}
	var fill, gen1 int
	wall := t0
	for i, s := range m.Segments {
		if s.Sequence != uint64(i) || i > 0 && math.Abs(s.Start-(m.Segments[i-1].Start+m.Segments[i-1].Duration)) > 0.001 {
			t.Errorf("segment %d (%s): sequence %d start %.3f", i, s.Name, s.Sequence, s.Start)
		}
		if d := s.Wall.Sub(wall); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("segment %d (%s) captured at %v, want %v", i, s.Name, s.Wall.Sub(t0), wall.Sub(t0))
		}
		wall = s.WallEnd()
		switch {
		case s.Fill:
			fill++
			if !strings.HasPrefix(s.Name, "g1-fill-seg-") || s.Discontinuity != (fill == 1) {
				t.Errorf("fill segment %s, discontinuity %v", s.Name, s.Discontinuity)
			}
		case strings.HasPrefix(s.Name, "g1-"):
			gen1++
			if fill != 3 || s.Discontinuity != (gen1 == 1) {
				t.Errorf("segment %s after %d fill segments, discontinuity %v", s.Name, fill, s.Discontinuity)
			}
		}
	}
	if len(m.Discontinuities) != 2 || m.Discontinuities[0].Reason != archive.FillReason {
		t.Errorf("discontinuities %+v: want the fill's, then the takeover's", m.Discontinuities)
	}
	if d := m.Duration - fx.Length.Seconds(); d < -0.2 || d > 0.2 {
		t.Errorf("duration %.3f s, want about %.3f: the whole fixture", m.Duration, fx.Length.Seconds())
	}
	e.checkHashes(t, m)
}
