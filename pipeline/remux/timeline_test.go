package remux

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
)

// stsdEntries returns the sample entry types of each trak's stsd.
func stsdEntries(t *testing.T, out []byte) [][]string {
	t.Helper()
	moov, err := path(out, "moov")
	if err != nil {
		t.Fatal(err)
	}
	traks, err := children(moov.payload)
	if err != nil {
		t.Fatal(err)
	}
	var all [][]string
	for _, trak := range traks {
		if trak.typ != "trak" {
			continue
		}
		stsd, err := path(trak.payload, "mdia", "minf", "stbl", "stsd")
		if err != nil {
			t.Fatal(err)
		}
		entries, err := children(stsd.payload[8:])
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range entries {
			types = append(types, e.typ)
		}
		if n := binary.BigEndian.Uint32(stsd.payload[4:]); int(n) != len(types) {
			t.Fatalf("stsd count %d, %d entries", n, len(types))
		}
		all = append(all, types)
	}
	return all
}

// TestRestartWithNewInit records the fixture in two runs, as after a
// restart: the second init has another audio bitrate (a different esds)
// and continues the timeline. The audio trak gets two sample entries.
func TestRestartWithNewInit(t *testing.T) {
	fx := loadFixture(t)
	audio2 := *fx.audio
	audio2.BitrateKbps = 64
	half := fixtureLen / 2
	var first, second []*media.Unit
	for _, u := range fx.units {
		if u.DTS < half {
			first = append(first, u)
		} else {
			second = append(second, u)
		}
	}
	rec := &recording{}
	rec.segmentUnits(t, mux.SegmenterConfig{Tracks: []*media.Track{fx.video, fx.audio}}, "init-a.mp4", "a", first)
	rec.segmentUnits(t, mux.SegmenterConfig{Tracks: []*media.Track{fx.video, &audio2}, StartTime: half,
		FirstSequence: 100}, "init-b.mp4", "b", second)
	// The same init under a second name must not add an entry.
	rec.objects["init-a-copy.mp4"] = rec.objects["init-a.mp4"]
	rec.segs[1].Init = "init-a-copy.mp4"

	f, out := buildBytes(t, rec.segs, rec.fetch)
	entries := stsdEntries(t, out)
	if len(entries) != 2 || len(entries[0]) != 1 || len(entries[1]) != 2 {
		t.Errorf("sample entries %v, want [avc1] [mp4a mp4a]", entries)
	}
	path := writeTemp(t, out)
	p := ffprobe(t, path)
	if d := p.duration(t); !near(d, fixtureLen, 100*time.Millisecond) || !near(d, f.Duration(), 100*time.Millisecond) {
		t.Errorf("ffprobe duration %v, File.Duration %v, want %v", d, f.Duration(), fixtureLen)
	}
	decodeClean(t, path)
}

// TestLateAudio starts the recording at a nonzero decode time with audio
// half a second after video: the file starts at 0 and an empty edit
// keeps the audio half a second late.
func TestLateAudio(t *testing.T) {
	fx := loadFixture(t)
	const late = 500 * time.Millisecond
	var units []*media.Unit
	for _, u := range fx.units {
		if u.Track != fx.audio || u.DTS >= late {
			units = append(units, u)
		}
	}
	rec := &recording{}
	rec.segmentUnits(t, mux.SegmenterConfig{Tracks: []*media.Track{fx.video, fx.audio}, StartTime: time.Hour},
		"init.mp4", "seg", units)
	f, out := buildBytes(t, rec.segs, rec.fetch)
	if !bytes.Contains(out, []byte("elst")) {
		t.Error("no edit list for the late audio")
	}
	path := writeTemp(t, out)
	p := ffprobe(t, path)
	if len(p.Streams) != 2 {
		t.Fatalf("%d streams", len(p.Streams))
	}
	for i, want := range []time.Duration{0, late} {
		s, err := strconv.ParseFloat(p.Streams[i].StartTime, 64)
		if err != nil || !near(time.Duration(s*float64(time.Second)), want, 30*time.Millisecond) {
			t.Errorf("stream %d start %q, want %v", i, p.Streams[i].StartTime, want)
		}
	}
	if d := p.duration(t); !near(d, fixtureLen, 100*time.Millisecond) || !near(d, f.Duration(), 100*time.Millisecond) {
		t.Errorf("ffprobe duration %v, File.Duration %v, want %v", d, f.Duration(), fixtureLen)
	}
	decodeClean(t, path)
}
