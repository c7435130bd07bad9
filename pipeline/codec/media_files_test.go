package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// ffmpeg runs the ffmpeg CLI quietly and fails the test on error.
func ffmpeg(t testing.TB, args ...string) {
	t.Helper()
	args = append([]string{"-hide_banner", "-nostdin", "-v", "error", "-y"}, args...)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ffprobe runs ffprobe and returns its standard output.
func ffprobe(t testing.TB, args ...string) string {
	t.Helper()
	args = append([]string{"-hide_banner", "-v", "error"}, args...)
	out, err := exec.Command("ffprobe", args...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// testClip describes a lavfi test clip.
type testClip struct {
	width, height, fps int
	duration           time.Duration
}

func (c testClip) lavfi() string {
	return fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", c.width, c.height, c.fps)
}

func (c testClip) seconds() string { return fmt.Sprintf("%.3f", c.duration.Seconds()) }

// vp8Units encodes clip to VP8 with ffmpeg and returns its frames as units
// (IVF container: a 32-byte header, then a 12-byte header per frame).
func vp8Units(t testing.TB, clip testClip) []*media.Unit {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.ivf")
	ffmpeg(t, "-f", "lavfi", "-i", clip.lavfi(), "-t", clip.seconds(),
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-g", "30", "-f", "ivf", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 32 || string(b[:4]) != "DKIF" {
		t.Fatalf("%s is not IVF", path)
	}
	track := &media.Track{Kind: media.KindVideo, Codec: media.CodecVP8, ClockRate: 90000}
	var units []*media.Unit
	for p := int(binary.LittleEndian.Uint16(b[6:])); p+12 <= len(b); {
		size := int(binary.LittleEndian.Uint32(b[p:]))
		data := b[p+12 : p+12+size]
		pts := time.Duration(len(units)) * time.Second / time.Duration(clip.fps)
		units = append(units, &media.Unit{Track: track, PTS: pts, DTS: pts, Key: data[0]&1 == 0, Data: data})
		p += 12 + size
	}
	return units
}

// h264Units encodes clip to H.264 with ffmpeg, baseline as WebRTC sends
// it unless codecArgs say otherwise, and returns its access units, split
// on the AUDs ffmpeg inserts, with 4-byte start codes and without the AUDs.
func h264Units(t testing.TB, clip testClip, start time.Duration, codecArgs ...string) []*media.Unit {
	t.Helper()
	if len(codecArgs) == 0 {
		codecArgs = []string{"-profile:v", "baseline"}
	}
	path := filepath.Join(t.TempDir(), "in.h264")
	args := append([]string{"-f", "lavfi", "-i", clip.lavfi(), "-t", clip.seconds(),
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "30"}, codecArgs...)
	ffmpeg(t, append(args, "-bsf:v", "h264_metadata=aud=insert", "-f", "h264", path)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	track := &media.Track{Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000}
	var units []*media.Unit
	var au [][]byte
	flush := func() {
		if len(au) == 0 {
			return
		}
		pts := start + time.Duration(len(units))*time.Second/time.Duration(clip.fps)
		key := false
		for _, n := range au {
			key = key || h264.Type(n) == h264.NALUTypeIDR
		}
		units = append(units, &media.Unit{Track: track, PTS: pts, DTS: pts, Key: key, Data: h264.JoinAnnexB(au)})
		au = nil
	}
	for _, n := range h264.SplitAnnexB(b) {
		if h264.Type(n) == h264.NALUTypeAUD {
			flush()
			continue
		}
		au = append(au, n)
	}
	flush()
	return units
}

// writeFile writes the concatenated unit payloads to path.
func writeUnits(t testing.TB, path string, units []*media.Unit) {
	t.Helper()
	var buf bytes.Buffer
	for _, u := range units {
		buf.Write(u.Data)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
