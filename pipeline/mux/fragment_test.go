package mux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

func synthTracks() (*media.Track, *media.Track) {
	v := &media.Track{ID: "v", Codec: media.CodecH264, Width: 64, Height: 48, FPS: 30,
		Config: []byte{0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E, 0xAA, 0, 0, 0, 1, 0x68, 0xCE, 0x3C, 0x80}}
	a := &media.Track{ID: "a", Codec: media.CodecAAC, SampleRate: 48000, Channels: 2, Config: []byte{0x11, 0x90}}
	return v, a
}

// synthUnits makes n video frames (keyframe every 30, PTS two frames
// after DTS) and the audio frames of the same span, in DTS order.
func synthUnits(v, a *media.Track, n int) []*media.Unit {
	var units []*media.Unit
	ai := 0
	for i := range n {
		dts := time.Duration(i) * time.Second / 30
		for ; time.Duration(ai)*1024*time.Second/48000 < dts; ai++ {
			d := time.Duration(ai) * 1024 * time.Second / 48000
			units = append(units, &media.Unit{Track: a, PTS: d, DTS: d, Key: true, Data: []byte{byte(ai), 1, 2}})
		}
		nal := []byte{0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, byte(i) | 0x80}
		if i%30 == 0 {
			nal = []byte{0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E, 0xAA, 0, 0, 0, 1, 0x65, byte(i) | 0x80}
		}
		units = append(units, &media.Unit{Track: v, DTS: dts, PTS: dts + 2*time.Second/30, Key: i%30 == 0, Data: nal})
	}
	return units
}

func TestFragmentLayout(t *testing.T) {
	v, a := synthTracks()
	s, err := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v, a}, TargetDuration: time.Second,
		FirstSequence: 7, StartTime: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var segs []*Segment
	for _, u := range synthUnits(v, a, 45) {
		seg, err := s.Push(u)
		if err != nil {
			t.Fatal(err)
		}
		if seg != nil {
			segs = append(segs, seg)
		}
	}
	if len(segs) != 1 {
		t.Fatalf("got %d segments, want 1", len(segs))
	}
	seg := segs[0]
	if seg.Sequence != 7 || seg.Start != 10*time.Second || seg.Duration != time.Second || !seg.Key {
		t.Errorf("segment %+v", *seg)
	}
	b := seg.Data
	if got := binary.BigEndian.Uint32(findBoxes(t, b, "moof", "mfhd")[0].payload[4:]); got != 7 {
		t.Errorf("mfhd sequence %d, want 7", got)
	}
	tfdts := findBoxes(t, b, "moof", "traf", "tfdt")
	truns := findBoxes(t, b, "moof", "traf", "trun")
	if len(tfdts) != 2 || len(truns) != 2 {
		t.Fatalf("%d tfdt, %d trun, want 2 each", len(tfdts), len(truns))
	}
	wantBase := []uint64{10 * 90000, 10 * 48000}
	for i, tfdt := range tfdts {
		if got := binary.BigEndian.Uint64(tfdt.payload[4:]); got != wantBase[i] {
			t.Errorf("traf %d: tfdt %d, want %d", i, got, wantBase[i])
		}
	}
	moof := findBoxes(t, b, "moof")[0]

	off, vs := parseTrun(t, truns[0].payload)
	if len(vs) != 30 {
		t.Fatalf("video trun has %d samples, want 30", len(vs))
	}
	for i, smp := range vs {
		wantFlags := uint32(flagsNonSync)
		if i == 0 {
			wantFlags = flagsSync
		}
		if smp.duration != 3000 || smp.cts != 6000 || smp.flags != wantFlags {
			t.Errorf("video sample %d: %+v", i, smp)
		}
	}
	// The first sample is the sample entry's SPS and PPS, then the IDR:
	// the AUD and the unit's own copy of the known SPS dropped. (Trailing
	// zero bytes belong to the byte stream, H.264 B.2, so the synthetic
	// NALs end in a non-zero byte.)
	first := b[moof.start+int(off):][:vs[0].size]
	want := []byte{0, 0, 0, 5, 0x67, 0x42, 0xc0, 0x1e, 0xaa, 0, 0, 0, 4, 0x68, 0xce, 0x3c, 0x80, 0, 0, 0, 2, 0x65, 0x80}
	if !bytes.Equal(first, want) {
		t.Errorf("first video sample % x", first)
	}

	off, as := parseTrun(t, truns[1].payload)
	for i, smp := range as {
		if smp.duration != 1024 || smp.flags != flagsSync || smp.size != 3 {
			t.Errorf("audio sample %d: %+v", i, smp)
		}
	}
	if got := b[moof.start+int(off)]; got != 0 {
		t.Errorf("first audio sample starts with %d, want 0", got)
	}
	if len(as) != 47 { // frames with DTS < 1 s
		t.Errorf("%d audio samples, want 47", len(as))
	}
}

func TestInitLayout(t *testing.T) {
	v, a := synthTracks()
	s, err := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v, a}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.WriteInit(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	mdhds := findBoxes(t, b, "moov", "trak", "mdia", "mdhd")
	for i, want := range []uint32{90000, 48000} {
		if got := binary.BigEndian.Uint32(mdhds[i].payload[12:]); got != want {
			t.Errorf("track %d timescale %d, want %d", i+1, got, want)
		}
	}
	avcC := findBoxes(t, b, "moov", "trak", "mdia", "minf", "stbl", "stsd", "avc1", "avcC")
	if len(avcC) != 1 || !bytes.Equal(avcC[0].payload[:4], []byte{1, 0x42, 0xC0, 0x1E}) {
		t.Errorf("avcC %v", avcC)
	}
	esds := findBoxes(t, b, "moov", "trak", "mdia", "minf", "stbl", "stsd", "mp4a", "esds")
	if len(esds) != 1 || !bytes.Contains(esds[0].payload, []byte{0x05, 2, 0x11, 0x90}) {
		t.Errorf("esds %v", esds)
	}
	if n := len(findBoxes(t, b, "moov", "mvex", "trex")); n != 2 {
		t.Errorf("%d trex, want 2", n)
	}
}

func TestSegmenterEdges(t *testing.T) {
	v, a := synthTracks()
	t.Run("drops before keyframe", func(t *testing.T) {
		s, _ := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v, a}})
		units := synthUnits(v, a, 40)
		for _, u := range units[5:] { // starts mid-GOP
			if _, err := s.Push(u); err != nil {
				t.Fatal(err)
			}
		}
		seg, _ := s.Flush()
		if seg == nil || !seg.Key || s.Stats().BeforeKeyframe == 0 {
			t.Fatalf("segment %v, stats %+v", seg, s.Stats())
		}
		if seg.Duration != 10*time.Second/30 { // frames 30..39
			t.Errorf("duration %v", seg.Duration)
		}
	})
	t.Run("audio only", func(t *testing.T) {
		s, _ := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{a}, TargetDuration: time.Second})
		var n int
		for _, u := range synthUnits(v, a, 90) {
			if u.Track != a {
				continue
			}
			seg, err := s.Push(u)
			if err != nil {
				t.Fatal(err)
			}
			if seg != nil {
				n++
				if seg.Duration < time.Second || seg.Duration > time.Second+30*time.Millisecond {
					t.Errorf("audio segment duration %v", seg.Duration)
				}
			}
		}
		if n != 2 {
			t.Errorf("%d audio segments, want 2", n)
		}
	})
	t.Run("video without audio units", func(t *testing.T) {
		s, _ := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v, a}})
		for _, u := range synthUnits(v, a, 10) {
			if u.Track == v {
				s.Push(u)
			}
		}
		seg, _ := s.Flush()
		if seg == nil || len(findBoxes(t, seg.Data, "moof", "traf")) != 1 {
			t.Fatal("want one segment with one traf")
		}
		if seg.Duration != 10*time.Second/30 {
			t.Errorf("duration %v", seg.Duration)
		}
	})
	t.Run("out of order", func(t *testing.T) {
		s, _ := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v}})
		units := synthUnits(v, a, 3)
		for _, u := range []*media.Unit{units[0], units[len(units)-1], units[len(units)-1]} {
			s.Push(u)
		}
		if s.Stats().OutOfOrder != 1 {
			t.Errorf("stats %+v", s.Stats())
		}
	})
	t.Run("errors", func(t *testing.T) {
		if _, err := NewSegmenter(SegmenterConfig{}); !errors.Is(err, ErrBadTracks) {
			t.Errorf("no tracks: %v", err)
		}
		if _, err := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{{Codec: media.CodecH264}}}); !errors.Is(err, ErrBadConfig) {
			t.Errorf("no SPS: %v", err)
		}
		if _, err := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{{Codec: media.CodecVP8}}}); !errors.Is(err, ErrUnsupportedCodec) {
			t.Errorf("VP8: %v", err)
		}
		if _, err := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v, v}}); !errors.Is(err, ErrBadTracks) {
			t.Errorf("two videos: %v", err)
		}
		s, _ := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v}})
		if _, err := s.Push(&media.Unit{Track: a}); !errors.Is(err, ErrUnknownTrack) {
			t.Errorf("unknown track: %v", err)
		}
		if seg, err := s.Flush(); seg != nil || err != nil {
			t.Errorf("empty flush: %v %v", seg, err)
		}
	})
}

func TestSegmenterFlushWaitsForKeyframe(t *testing.T) {
	v, a := synthTracks()
	s, _ := NewSegmenter(SegmenterConfig{Tracks: []*media.Track{v, a}, TargetDuration: time.Second})
	units := synthUnits(v, a, 70)
	var segs []*Segment
	for _, u := range units {
		seg, _ := s.Push(u)
		if seg != nil {
			segs = append(segs, seg)
		}
		if u.Track == v && u.DTS == 15*time.Second/30 { // mid-GOP stop
			seg, _ := s.Flush()
			segs = append(segs, seg)
		}
	}
	if seg, _ := s.Flush(); seg != nil {
		segs = append(segs, seg)
	}
	if len(segs) != 3 {
		t.Fatalf("%d segments, want 3", len(segs))
	}
	want := []time.Duration{0, time.Second, 2 * time.Second}
	for i, seg := range segs {
		if !seg.Key || seg.Start != want[i] {
			t.Errorf("segment %d: key %v start %v, want %v", i, seg.Key, seg.Start, want[i])
		}
	}
}
