package remux

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// fixtureLen is the length of the generated media.
const fixtureLen = 10 * time.Second

// fixture is 10 s of real H.264 (30 fps, keyframe every second) and AAC
// made by the ffmpeg CLI, as units.
type fixture struct {
	video, audio *media.Track
	units        []*media.Unit // in DTS order
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	f := mediafixture.Load(t)
	return &fixture{video: f.Video, audio: f.Audio, units: f.Units}
}

// recording is a stored recording: objects by name and the segment list.
type recording struct {
	objects map[string][]byte
	segs    []Segment
}

// segmentUnits pushes units through a mux.Segmenter (2 s segments) and
// stores the init as initName and the segments as <prefix>-<n>.
func (rec *recording) segmentUnits(t *testing.T, cfg mux.SegmenterConfig, initName, prefix string, units []*media.Unit) {
	t.Helper()
	if cfg.TargetDuration == 0 {
		cfg.TargetDuration = 2 * time.Second
	}
	s, err := mux.NewSegmenter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var init bytes.Buffer
	if err := s.WriteInit(&init); err != nil {
		t.Fatal(err)
	}
	if rec.objects == nil {
		rec.objects = map[string][]byte{}
	}
	rec.objects[initName] = init.Bytes()
	add := func(seg *mux.Segment) {
		name := fmt.Sprintf("%s-%d", prefix, len(rec.segs))
		rec.objects[name] = seg.Data
		rec.segs = append(rec.segs, Segment{Name: name, Init: initName})
	}
	for _, u := range units {
		seg, err := s.Push(u)
		if err != nil {
			t.Fatal(err)
		}
		if seg != nil {
			add(seg)
		}
	}
	if seg, _ := s.Flush(); seg != nil {
		add(seg)
	}
}

var errNotFound = errors.New("no such object")

// fetch serves the recording's objects.
func (rec *recording) fetch(_ context.Context, name string) (io.ReadCloser, error) {
	b, ok := rec.objects[name]
	if !ok {
		return nil, fmt.Errorf("%q: %w", name, errNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// avRecording is the fixture as one A/V recording of 2 s segments.
func avRecording(t *testing.T) *recording {
	t.Helper()
	fx := loadFixture(t)
	rec := &recording{}
	rec.segmentUnits(t, mux.SegmenterConfig{Tracks: []*media.Track{fx.video, fx.audio}}, "init.mp4", "seg", fx.units)
	if len(rec.segs) < 4 {
		t.Fatalf("%d segments, want about 5", len(rec.segs))
	}
	return rec
}

// buildBytes builds the recording and reads the whole output.
func buildBytes(t *testing.T, segs []Segment, fetch Fetch) (*File, []byte) {
	t.Helper()
	ctx := t.Context()
	f, err := Build(ctx, segs, fetch)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(f.NewReader(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != f.Size() {
		t.Fatalf("read %d bytes, Size %d", len(out), f.Size())
	}
	return f, out
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "out.mp4")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func command(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return string(out), nil
}
