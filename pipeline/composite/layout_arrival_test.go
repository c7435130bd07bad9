package composite

import (
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// A composed frame carries the arrival of the newest input frame it shows;
// one input is a transcode, several a composite.
func TestMadeFrom(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	f := &codec.VideoFrame{}
	cases := []struct {
		name string
		pics []picture
		at   time.Time
		path media.Path
	}{
		{"placeholders only", []picture{{}, {}}, time.Time{}, media.PathTranscode},
		{"one input", []picture{{frame: f, arrival: t0}, {}}, t0, media.PathTranscode},
		{"two inputs", []picture{{frame: f, arrival: t0}, {frame: f, arrival: t0.Add(time.Second)}}, t0.Add(time.Second), media.PathComposite},
		{"unknown arrival", []picture{{frame: f}, {frame: f, arrival: t0}}, t0, media.PathComposite},
	}
	for _, c := range cases {
		at, path := madeFrom(c.pics)
		if !at.Equal(c.at) || path != c.path {
			t.Errorf("%s: %v %v, want %v %v", c.name, at, path, c.at, c.path)
		}
	}
}

// The encoder's units get the arrival and path of their frame, matched by
// PTS, even when it holds frames back.
func TestCanvasOutStamp(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	o := &canvasOut{}
	ms := time.Millisecond
	for i := range 3 {
		o.made = append(o.made, madeFrame{pts: time.Duration(i) * 33 * ms, at: t0.Add(time.Duration(i) * ms), path: media.PathComposite})
	}
	// The encoder held frame 0 back and dropped it; frame 1 comes out.
	us := []*media.Unit{{PTS: 33 * ms}}
	o.stamp(us)
	if !us[0].Arrival.Equal(t0.Add(ms)) || us[0].Path != media.PathComposite {
		t.Fatalf("unit 1: %v %v", us[0].Arrival, us[0].Path)
	}
	us = []*media.Unit{{PTS: 66 * ms}, {PTS: 99 * ms}}
	o.stamp(us)
	if !us[0].Arrival.Equal(t0.Add(2*ms)) || !us[1].Arrival.IsZero() || us[1].Path != media.PathSource {
		t.Fatalf("units 2 and 3: %+v %+v", us[0], us[1])
	}
	for i := range 2 * maxMadeFrames {
		o.made = append(o.made, madeFrame{pts: time.Duration(i) * time.Second})
	}
	o.stamp(nil)
	if len(o.made) != maxMadeFrames {
		t.Fatalf("%d frames remembered, want at most %d", len(o.made), maxMadeFrames)
	}
}

// A source remembers when the units of its decoded frames arrived.
func TestVideoSourceArrivalOf(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	s := &videoSource{}
	for i := range 4 {
		s.arrivals = append(s.arrivals, unitArrival{pts: time.Duration(i) * time.Second, at: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	if at := s.arrivalOf(2 * time.Second); !at.Equal(t0.Add(2 * time.Millisecond)) {
		t.Fatalf("arrival %v", at)
	}
	if len(s.arrivals) != 2 {
		t.Fatalf("%d arrivals kept, want 2", len(s.arrivals))
	}
	if at := s.arrivalOf(2500 * time.Millisecond); !at.IsZero() {
		t.Fatalf("arrival of an unknown PTS %v", at)
	}
}
