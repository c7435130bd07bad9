package record

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// otherH264 encodes the same picture with other parameter sets (baseline
// profile: no CABAC, no weighted prediction), as a job that switches
// from its own encoder to a participant's passed-through camera sends.
func otherH264(t *testing.T, secs string) (*media.Track, []*media.Unit) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.h264")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", secs,
		"-c:v", "libx264", "-profile:v", "baseline", "-g", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-bsf:v", "h264_metadata=aud=insert", "-f", "h264", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := &media.Track{ID: "b", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000, Width: 320, Height: 240, FPS: 30}
	return tr, mediafixture.H264Units(tr, b, 30)
}

// TestCodecSwitchPlaysThrough: a recording whose video switches to other
// parameter sets (a new init segment after a discontinuity) plays
// through in ffmpeg without a decoding error.
func TestCodecSwitchPlaysThrough(t *testing.T) {
	fx := mediafixture.Load(t)
	_, other := otherH264(t, "6")
	const at = 3 * time.Second
	var units []*media.Unit
	for _, u := range fx.Units {
		if u.Track == fx.Audio || u.DTS < at {
			units = append(units, u)
		}
	}
	for _, u := range other {
		c := *u
		c.PTS, c.DTS = u.PTS+at, u.DTS+at
		if c.DTS < fx.Length {
			units = append(units, &c)
		}
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].DTS < units[j].DTS })
	e := newEnv(t, 1<<30)
	m := e.record(t, e.start(t, 2*time.Second), units)
	if len(m.Inits) != 2 {
		t.Fatalf("%d inits, want 2", len(m.Inits))
	}
	dir := t.TempDir()
	names := []string{}
	for _, f := range m.Inits {
		names = append(names, f.Name)
	}
	for _, s := range m.Segments {
		names = append(names, s.Name)
	}
	for _, name := range names {
		rc, err := e.cat.Open(context.Background(), m, name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pl writerBuffer
	if err := m.Playlist().Render(&pl, nil); err != nil {
		t.Fatal(err)
	}
	playlist := filepath.Join(dir, archive.PlaylistName)
	if err := os.WriteFile(playlist, pl.b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", playlist, "-map", "0:v", "-f", "null", "-").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("the recording does not decode cleanly across the switch: %v\n%s\n%s", err, out, pl.b)
	}
	if keep := os.Getenv("ROOMCAST_FRAMES_DIR"); keep != "" { // frames to look at, before and after the switch
		for _, at := range []string{"2", "5"} {
			png := filepath.Join(keep, "codec-switch-"+at+"s.png")
			if out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-i", playlist, "-ss", at, "-frames:v", "1", png).CombinedOutput(); err != nil {
				t.Errorf("grab a frame at %s s: %v: %s", at, err, out)
			}
		}
	}
}
