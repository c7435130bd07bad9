package remux

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
)

// corruption damages a media segment in one way; Build must fail with want.
type corruption struct {
	name string
	want error
	edit func(seg []byte) []byte
}

// at returns the offset of the payload of the first box of type typ.
func at(seg []byte, typ string) int {
	return bytes.Index(seg, []byte(typ)) + 4
}

func put32(seg []byte, off int, v uint32) []byte {
	b := bytes.Clone(seg)
	binary.BigEndian.PutUint32(b[off:], v)
	return b
}

var corruptions = []corruption{
	{"huge trun sample count", ErrMalformed, func(s []byte) []byte { return put32(s, at(s, "trun")+4, 0xFFFFFFFF) }},
	{"trun count beyond its bytes", ErrMalformed, func(s []byte) []byte { return put32(s, at(s, "trun")+4, 5000) }},
	{"moof size beyond the segment", ErrMalformed, func(s []byte) []byte { return put32(s, at(s, "moof")-8, 1<<30) }},
	{"traf size beyond moof", ErrMalformed, func(s []byte) []byte { return put32(s, at(s, "traf")-8, 1<<20) }},
	{"box size below its header", ErrMalformed, func(s []byte) []byte { return put32(s, at(s, "mfhd")-8, 3) }},
	{"unknown track", ErrUnknownTrack, func(s []byte) []byte { return put32(s, at(s, "tfhd")+4, 7) }},
	{"data offset beyond mdat", ErrMalformed, func(s []byte) []byte { return put32(s, at(s, "trun")+8, 1<<24) }},
	{"cut inside moof", ErrMalformed, func(s []byte) []byte { return bytes.Clone(s[:at(s, "traf")+20]) }},
	{"no mdat", ErrMalformed, func(s []byte) []byte { return bytes.Clone(s[:at(s, "mdat")-8]) }},
	{"empty", ErrMalformed, func([]byte) []byte { return nil }},
}

func TestCorruptSegment(t *testing.T) {
	rec := avRecording(t)
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			objects := map[string][]byte{}
			for k, v := range rec.objects {
				objects[k] = v
			}
			bad := &recording{objects: objects, segs: rec.segs}
			objects[rec.segs[1].Name] = c.edit(rec.objects[rec.segs[1].Name])
			_, err := Build(t.Context(), bad.segs, bad.fetch)
			if !errors.Is(err, c.want) {
				t.Fatalf("Build: %v, want %v", err, c.want)
			}
			t.Log(err)
		})
	}
}

func TestBuildErrors(t *testing.T) {
	rec := avRecording(t)
	fx := loadFixture(t)
	if _, err := Build(t.Context(), nil, rec.fetch); !errors.Is(err, ErrNoSegments) {
		t.Errorf("no segments: %v", err)
	}
	missing := []Segment{rec.segs[0], {Name: "nope", Init: "init.mp4"}}
	if _, err := Build(t.Context(), missing, rec.fetch); !errors.Is(err, errNotFound) {
		t.Errorf("missing object: %v", err)
	}
	// An audio-only recording's init next to the A/V one.
	audio := &recording{objects: rec.objects}
	var aUnits []*media.Unit
	for _, u := range fx.units {
		if u.Track == fx.audio {
			aUnits = append(aUnits, u)
		}
	}
	audio.segmentUnits(t, mux.SegmenterConfig{Tracks: []*media.Track{fx.audio}}, "audio-init.mp4", "audio", aUnits)
	mixed := append([]Segment{rec.segs[0]}, audio.segs[0])
	if _, err := Build(t.Context(), mixed, rec.fetch); !errors.Is(err, ErrInconsistentInit) {
		t.Errorf("inconsistent inits: %v", err)
	}
	badInit := map[string][]byte{"init.mp4": rec.objects["init.mp4"][:40]}
	fetch := (&recording{objects: badInit}).fetch
	if _, err := Build(t.Context(), rec.segs[:1], fetch); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated init: %v", err)
	}
}

var errBoom = errors.New("storage down")

// TestFetchErrorWhileReading fails one segment's fetch after Build: Read
// must return that error.
func TestFetchErrorWhileReading(t *testing.T) {
	rec := avRecording(t)
	broken := rec.segs[3].Name
	built := false
	fetch := func(ctx context.Context, name string) (io.ReadCloser, error) {
		if built && name == broken {
			return nil, fmt.Errorf("get %s: %w", name, errBoom)
		}
		return rec.fetch(ctx, name)
	}
	f, err := Build(t.Context(), rec.segs, fetch)
	if err != nil {
		t.Fatal(err)
	}
	built = true
	_, err = io.ReadAll(f.NewReader(t.Context()))
	if !errors.Is(err, errBoom) {
		t.Fatalf("read: %v, want %v", err, errBoom)
	}
	// A segment shorter than its mdat says is an error too.
	rec.objects[broken] = rec.objects[broken][:100+at(rec.objects[broken], "mdat")]
	built = false
	if _, err = io.ReadAll(f.NewReader(t.Context())); !errors.Is(err, ErrShortSegment) {
		t.Fatalf("read short segment: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	rec := avRecording(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Build(ctx, rec.segs, rec.fetch); !errors.Is(err, context.Canceled) {
		t.Errorf("Build after cancel: %v", err)
	}
}
