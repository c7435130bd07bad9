package remux

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// synthRecording is a tiny A/V recording with made-up payloads: 3 s of
// 30 fps video (keyframe every second) and AAC frames, 1 s segments.
func synthRecording(t *testing.T) *recording {
	v := &media.Track{ID: "v", Codec: media.CodecH264, Width: 64, Height: 48, FPS: 30,
		Config: []byte{0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E, 0xAA, 0, 0, 0, 1, 0x68, 0xCE, 0x3C, 0x80}}
	a := &media.Track{ID: "a", Codec: media.CodecAAC, SampleRate: 48000, Channels: 2, Config: []byte{0x11, 0x90}}
	var units []*media.Unit
	ai := 0
	for i := range 90 {
		dts := time.Duration(i) * time.Second / 30
		for ; time.Duration(ai)*1024*time.Second/48000 < dts; ai++ {
			d := time.Duration(ai) * 1024 * time.Second / 48000
			units = append(units, &media.Unit{Track: a, PTS: d, DTS: d, Key: true, Data: []byte{byte(ai), 1, 2}})
		}
		key := i%30 == 0
		nal := []byte{0, 0, 0, 1, 0x41, byte(i)}
		if key {
			nal = []byte{0, 0, 0, 1, 0x65, byte(i)}
		}
		units = append(units, &media.Unit{Track: v, DTS: dts, PTS: dts + time.Second/15, Key: key, Data: nal})
	}
	rec := &recording{}
	cfg := mux.SegmenterConfig{Tracks: []*media.Track{v, a}, TargetDuration: time.Second}
	rec.segmentUnits(t, cfg, "init.mp4", "seg", units)
	return rec
}

var (
	synthOnce sync.Once
	synthInit *initSegment
)

// parsedSynthInit is the synthetic recording's init, parsed once.
func parsedSynthInit(t *testing.T) *initSegment {
	synthOnce.Do(func() {
		init, err := parseInit(synthRecording(t).objects["init.mp4"])
		if err != nil {
			t.Fatal(err)
		}
		synthInit = init
	})
	if synthInit == nil {
		t.Fatal("no synthetic init")
	}
	return synthInit
}

// headOf cuts a media segment after its mdat header, all that
// parseFragment reads.
func headOf(seg []byte) []byte {
	if i := bytes.Index(seg, []byte("mdat")); i >= 0 {
		seg = seg[:i+4]
	}
	return bytes.Clone(seg)
}

// fragmentSeeds are a recording's segment heads and their corruptions.
func fragmentSeeds(prefix string, rec *recording) map[string][]byte {
	seg := rec.objects[rec.segs[1].Name]
	seeds := map[string][]byte{prefix + " head": headOf(seg)}
	for _, c := range corruptions {
		seeds[prefix+" "+c.name] = headOf(c.edit(seg))
	}
	return seeds
}

func TestFuzzSeeds(t *testing.T) {
	real, synth := avRecording(t), synthRecording(t)
	seeds := fragmentSeeds("real", real)
	for name, b := range fragmentSeeds("synthetic", synth) {
		seeds[name] = b
	}
	fuzzcorpus.WriteBytes(t, "FuzzParseFragment", seeds)
	fuzzcorpus.WriteBytes(t, "FuzzParseInit", map[string][]byte{
		"real": real.objects["init.mp4"], "synthetic": synth.objects["init.mp4"],
		"truncated": real.objects["init.mp4"][:100],
	})
	build := map[string][]any{}
	for i, s := range synth.segs {
		build[fmt.Sprintf("segment %d", i)] = []any{synth.objects["init.mp4"], synth.objects[s.Name]}
	}
	for _, c := range corruptions {
		build[c.name] = []any{synth.objects["init.mp4"], c.edit(synth.objects[synth.segs[1].Name])}
	}
	fuzzcorpus.Write(t, "FuzzBuild", build)
	// Heads alone parse: Build reads no further.
	for _, rec := range []*recording{real, synth} {
		init, err := parseInit(rec.objects["init.mp4"])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range rec.segs {
			if _, err := parseFragment(bytes.NewReader(headOf(rec.objects[s.Name])), init); err != nil {
				t.Errorf("head of %s: %v", s.Name, err)
			}
		}
	}
}

func FuzzParseFragment(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		init := parsedSynthInit(t)
		frag, err := parseFragment(bytes.NewReader(data), init)
		if err != nil {
			return
		}
		if err := frag.check(); err != nil {
			t.Fatalf("parsed fragment fails its check: %v", err)
		}
		tr := &track{info: init.tracks[0]}
		for _, r := range frag.runs {
			if r.trackID == tr.info.id {
				_ = tr.add(r, r.start-frag.mdatStart, 1)
			}
		}
	})
}

func FuzzParseInit(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		init, err := parseInit(data)
		if err != nil {
			return
		}
		for _, tr := range init.tracks {
			if len(tr.entries) == 0 || tr.timescale == 0 {
				t.Fatalf("track %d: %d entries, timescale %d", tr.id, len(tr.entries), tr.timescale)
			}
		}
		if err := sameLayout(init, init); err != nil {
			t.Fatalf("init differs from itself: %v", err)
		}
	})
}

// FuzzBuild builds a one-segment recording and reads the whole output.
func FuzzBuild(f *testing.F) {
	f.Fuzz(func(t *testing.T, init, seg []byte) {
		rec := &recording{objects: map[string][]byte{"i": init, "s": seg}}
		ctx := context.Background()
		file, err := Build(ctx, []Segment{{Name: "s", Init: "i"}}, rec.fetch)
		if err != nil {
			return
		}
		if file.Size() > int64(len(file.header))+int64(len(seg)) {
			return // mdat claims more than the segment holds: reading fails cleanly
		}
		out, err := io.ReadAll(file.NewReader(ctx))
		if errors.Is(err, ErrShortSegment) {
			return
		}
		if err != nil || int64(len(out)) != file.Size() {
			t.Fatalf("read %d of %d bytes: %v", len(out), file.Size(), err)
		}
		if _, err := children(out); err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
	})
}
