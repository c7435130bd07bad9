package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// encodeRecordFixture is mediafixture's 10 s of H.264 + AAC at another
// size and a set bitrate (libx264 baseline, a keyframe every second, no
// B-frames, as roomcast's egress encodes), cut into units the same way.
func encodeRecordFixture(b *testing.B, width, height, kbps int) *mediafixture.Fixture {
	b.Helper()
	const fps, length = 30, 10 * time.Second
	dir := b.TempDir()
	vPath, aPath := filepath.Join(dir, "v.h264"), filepath.Join(dir, "a.aac")
	rate := fmt.Sprintf("%dk", kbps)
	ffmpeg(b, "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", width, height, fps),
		"-t", "10", "-c:v", "libx264", "-profile:v", "baseline", "-b:v", rate, "-maxrate", rate,
		"-bufsize", rate, "-bf", "0", "-g", fmt.Sprint(fps), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-bsf:v", "h264_metadata=aud=insert", "-f", "h264", vPath)
	ffmpeg(b, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "10",
		"-ac", "2", "-c:a", "aac", "-b:a", "128k", "-f", "adts", aPath)
	fx := &mediafixture.Fixture{
		Length: length,
		Video: &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000,
			Width: width, Height: height, FPS: fps},
		Audio: &media.Track{ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: 48000,
			SampleRate: 48000, Channels: 2},
	}
	fx.Units = mediafixture.H264Units(fx.Video, readFile(b, vPath), fps)
	frames, asc := mediafixture.SplitADTS(readFile(b, aPath))
	fx.Audio.Config = asc
	for i, fr := range frames {
		d := time.Duration(i) * 1024 * time.Second / 48000
		fx.Units = append(fx.Units, &media.Unit{Track: fx.Audio, PTS: d, DTS: d, Key: true, Data: fr})
	}
	sort.SliceStable(fx.Units, func(i, j int) bool { return fx.Units[i].DTS < fx.Units[j].DTS })
	return fx
}

func ffmpeg(b *testing.B, args ...string) {
	b.Helper()
	args = append([]string{"-hide_banner", "-v", "error", "-nostdin", "-y"}, args...)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

func readFile(b *testing.B, path string) []byte {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
