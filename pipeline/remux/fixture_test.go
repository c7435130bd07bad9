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
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
)

// fixtureLen is the length of the generated media.
const fixtureLen = 10 * time.Second

// fixture is 10 s of real H.264 (30 fps, keyframe every second) and AAC
// made by the ffmpeg CLI, as units.
type fixture struct {
	video, audio *media.Track
	units        []*media.Unit // in DTS order
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureVal  *fixture
	fixtureErr  error
)

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "remux-fixture")
		if fixtureErr == nil {
			fixtureVal, fixtureErr = makeFixture(fixtureDir)
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureVal
}

func makeFixture(dir string) (*fixture, error) {
	vPath, aPath := filepath.Join(dir, "v.h264"), filepath.Join(dir, "a.aac")
	secs := fmt.Sprint(fixtureLen.Seconds())
	_, err := command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", secs,
		"-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-g", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-bsf:v", "h264_metadata=aud=insert", "-f", "h264", vPath)
	if err != nil {
		return nil, err
	}
	_, err = command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", secs,
		"-ac", "2", "-c:a", "aac", "-b:a", "96k", "-f", "adts", aPath)
	if err != nil {
		return nil, err
	}
	vb, err := os.ReadFile(vPath)
	if err != nil {
		return nil, err
	}
	ab, err := os.ReadFile(aPath)
	if err != nil {
		return nil, err
	}
	f := &fixture{
		video: &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000, Width: 320, Height: 240, FPS: 30},
		audio: &media.Track{ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: 48000, SampleRate: 48000, Channels: 2},
	}
	f.units = append(videoUnits(f.video, vb), audioUnits(f.audio, ab)...)
	sort.SliceStable(f.units, func(i, j int) bool { return f.units[i].DTS < f.units[j].DTS })
	return f, nil
}

func videoUnits(track *media.Track, b []byte) []*media.Unit {
	var units []*media.Unit
	for i, au := range accessUnits(b) {
		d := time.Duration(i) * time.Second / 30
		key := false
		for _, n := range splitAnnexB(au) {
			switch n[0] & 0x1F {
			case 5: // IDR
				key = true
			case 7, 8: // SPS, PPS
				if i == 0 {
					track.Config = append(append(track.Config, 0, 0, 0, 1), n...)
				}
			}
		}
		units = append(units, &media.Unit{Track: track, PTS: d, DTS: d, Key: key, Data: au})
	}
	return units
}

func audioUnits(track *media.Track, b []byte) []*media.Unit {
	frames, asc := splitADTS(b)
	track.Config = asc
	units := make([]*media.Unit, 0, len(frames))
	for i, fr := range frames {
		d := time.Duration(i) * 1024 * time.Second / 48000
		units = append(units, &media.Unit{Track: track, PTS: d, DTS: d, Key: true, Data: fr})
	}
	return units
}

func command(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %v: %w: %s", name, args, err, out)
	}
	return string(out), nil
}

// splitAnnexB returns the NAL units of an Annex-B stream.
func splitAnnexB(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	flush := func(end int) {
		n := bytes.TrimRight(b[start:end], "\x00")
		if len(n) > 0 {
			nals = append(nals, n)
		}
	}
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				flush(i)
			}
			start = i + 3
			i += 2
		}
	}
	if start >= 0 {
		flush(len(b))
	}
	return nals
}

// accessUnits splits an Annex-B stream at access unit delimiters and
// rebuilds each access unit with 4-byte start codes.
func accessUnits(b []byte) [][]byte {
	var aus [][]byte
	var cur []byte
	for _, n := range splitAnnexB(b) {
		if n[0]&0x1F == 9 && len(cur) > 0 {
			aus = append(aus, cur)
			cur = nil
		}
		cur = append(append(cur, 0, 0, 0, 1), n...)
	}
	if len(cur) > 0 {
		aus = append(aus, cur)
	}
	return aus
}

// splitADTS strips ADTS headers (ISO/IEC 14496-3 §1.A.2) and returns the
// raw frames and an AudioSpecificConfig from the first header.
func splitADTS(b []byte) (frames [][]byte, asc []byte) {
	for len(b) >= 7 && b[0] == 0xFF && b[1]&0xF0 == 0xF0 {
		hdr := 7
		if b[1]&1 == 0 {
			hdr = 9
		}
		n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
		if n < hdr || n > len(b) {
			break
		}
		if asc == nil {
			aot, sfi, ch := b[2]>>6+1, b[2]>>2&0xF, (b[2]&1)<<2|b[3]>>6
			v := uint16(aot)<<11 | uint16(sfi)<<7 | uint16(ch)<<3
			asc = []byte{byte(v >> 8), byte(v)}
		}
		frames = append(frames, bytes.Clone(b[hdr:n]))
		b = b[n:]
	}
	return frames, asc
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
