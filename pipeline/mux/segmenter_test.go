package mux

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// recordRun feeds units to a new segmenter and writes its init and
// segments into dir, appending them to pl.
func recordRun(t *testing.T, dir string, cfg SegmenterConfig, units []*media.Unit, initName string, disc bool, pl *Playlist) []*Segment {
	t.Helper()
	s, err := NewSegmenter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var init bytes.Buffer
	if err := s.WriteInit(&init); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, initName), init.Bytes())
	var segs []*Segment
	add := func(seg *Segment) {
		if seg == nil {
			return
		}
		name := fmt.Sprintf("seg-%05d.m4s", seg.Sequence)
		writeFile(t, filepath.Join(dir, name), seg.Data)
		pl.Append(PlaylistSegment{Name: name, Duration: seg.Duration, Init: initName, Discontinuity: disc && len(segs) == 0})
		segs = append(segs, seg)
	}
	for _, u := range units {
		seg, err := s.Push(u)
		if err != nil {
			t.Fatal(err)
		}
		add(seg)
	}
	seg, err := s.Flush()
	if err != nil {
		t.Fatal(err)
	}
	add(seg)
	if seg, _ := s.Flush(); seg != nil {
		t.Fatal("second Flush returned a segment")
	}
	return segs
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writePlaylist(t *testing.T, dir string, pl *Playlist) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := pl.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "index.m3u8")
	writeFile(t, path, b.Bytes())
	return path
}

func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// checkSegmentFile probes init+segment as one file: it must hold h264 and
// aac and its first video packet must be a keyframe.
func checkSegmentFile(t *testing.T, dir, initName string, seg *Segment) {
	t.Helper()
	init, err := os.ReadFile(filepath.Join(dir, initName))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("probe-%d.mp4", seg.Sequence))
	writeFile(t, path, append(init, seg.Data...))
	codecs := command(t, "ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path)
	if !strings.Contains(codecs, "h264") || !strings.Contains(codecs, "aac") {
		t.Errorf("segment %d: streams %q, want h264 and aac", seg.Sequence, codecs)
	}
	flags := command(t, "ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0", path)
	if !strings.HasPrefix(flags, "K") {
		t.Errorf("segment %d: first video packet flags %q, want a keyframe", seg.Sequence, strings.SplitN(flags, "\n", 2)[0])
	}
}

func checkDecodes(t *testing.T, playlist string) {
	t.Helper()
	out := command(t, "ffmpeg", "-v", "error", "-protocol_whitelist", "file", "-i", playlist, "-f", "null", "-")
	if strings.TrimSpace(out) != "" {
		t.Errorf("ffmpeg decoding %s printed:\n%s", playlist, out)
	}
}

func probeDuration(t *testing.T, playlist string) float64 {
	t.Helper()
	out := command(t, "ffprobe", "-v", "error", "-protocol_whitelist", "file", "-show_entries", "format=duration", "-of", "csv=p=0", playlist)
	d, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", out, err)
	}
	return d
}

func TestSegmenterFFmpeg(t *testing.T) {
	f := loadFixture(t)
	dir := t.TempDir()
	pl := &Playlist{}
	cfg := SegmenterConfig{Tracks: []*media.Track{f.video, f.audio}, TargetDuration: 4 * time.Second}
	segs := recordRun(t, dir, cfg, f.units, "init.mp4", false, pl)
	pl.Ended = true
	path := writePlaylist(t, dir, pl)

	if len(segs) != 3 {
		t.Fatalf("got %d segments, want 3", len(segs))
	}
	for i, seg := range segs {
		if seg.Sequence != uint64(i) || !seg.Key {
			t.Errorf("segment %d: sequence %d key %v", i, seg.Sequence, seg.Key)
		}
		if i < len(segs)-1 && (seg.Duration-4*time.Second).Abs() > 100*time.Millisecond {
			t.Errorf("segment %d: duration %v, want about 4s", i, seg.Duration)
		}
		checkSegmentFile(t, dir, "init.mp4", seg)
	}
	checkDecodes(t, path)
	if d := probeDuration(t, path); math.Abs(d-10) > 0.2 {
		t.Errorf("playlist duration %.3f s, want 10 ± 0.2", d)
	}
	back, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParsePlaylist(back)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.NextSequence() != 3 || !parsed.Ended || (parsed.Duration()-10*time.Second).Abs() > 200*time.Millisecond {
		t.Errorf("parsed playlist: next %d ended %v duration %v", parsed.NextSequence(), parsed.Ended, parsed.Duration())
	}
}

// TestSegmenterRestart simulates a recorder restart at 5 s: a second
// segmenter continues the sequence at a new StartTime after a
// discontinuity with its own init segment.
func TestSegmenterRestart(t *testing.T) {
	f := loadFixture(t)
	dir := t.TempDir()
	var before, after []*media.Unit
	for _, u := range f.units {
		if u.DTS < 5*time.Second {
			before = append(before, u)
		} else {
			after = append(after, u)
		}
	}
	// The restarted recorder sees the stream mid-GOP: it must drop until
	// the next keyframe.
	after = after[10:]
	pl := &Playlist{}
	tracks := []*media.Track{f.video, f.audio}
	first := recordRun(t, dir, SegmenterConfig{Tracks: tracks}, before, "init.mp4", false, pl)
	cfg := SegmenterConfig{Tracks: tracks, FirstSequence: pl.NextSequence(), StartTime: pl.Duration() + 90*time.Second}
	second := recordRun(t, dir, cfg, after, "init-1.mp4", true, pl)
	pl.Ended = true
	path := writePlaylist(t, dir, pl)

	// 0–4 s, 4–5 s; then the keyframe at 6 s to the end.
	if len(first) != 2 || len(second) != 1 {
		t.Fatalf("got %d + %d segments, want 2 + 1", len(first), len(second))
	}
	if second[0].Sequence != 2 || !second[0].Key {
		t.Errorf("first segment after restart: sequence %d key %v", second[0].Sequence, second[0].Key)
	}
	if want := cfg.StartTime; (second[0].Start - want).Abs() > time.Millisecond {
		t.Errorf("first segment after restart starts at %v, want %v", second[0].Start, want)
	}
	for _, seg := range second {
		checkSegmentFile(t, dir, "init-1.mp4", seg)
	}
	checkDecodes(t, path)
	if d := probeDuration(t, path); math.Abs(d-9) > 0.2 {
		t.Errorf("playlist duration %.3f s, want 9 ± 0.2", d)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(text), "#EXT-X-DISCONTINUITY\n"); n != 1 {
		t.Errorf("%d discontinuities, want 1:\n%s", n, text)
	}
	if n := strings.Count(string(text), "#EXT-X-MAP:"); n != 2 {
		t.Errorf("%d EXT-X-MAP, want 2:\n%s", n, text)
	}
}

func TestTrackIDsIgnoreOrder(t *testing.T) {
	f := loadFixture(t)
	var a, b bytes.Buffer
	for tracks, w := range map[*[2]*media.Track]*bytes.Buffer{{f.video, f.audio}: &a, {f.audio, f.video}: &b} {
		s, err := NewSegmenter(SegmenterConfig{Tracks: tracks[:]})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteInit(w); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the init segment depends on the order the tracks were given in")
	}
}
