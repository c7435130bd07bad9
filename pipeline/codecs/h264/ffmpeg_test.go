package h264

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// encodeH264 encodes one frame of a test pattern with libx264 and returns
// the Annex-B stream.
func encodeH264(t *testing.T, dir string, w, h int, profile, pixFmt string, extra ...string) []byte {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("%dx%d-%s-%s.h264", w, h, profile, pixFmt))
	args := []string{"-v", "error", "-y", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=25", w, h),
		"-frames:v", "1", "-c:v", "libx264", "-profile:v", profile, "-pix_fmt", pixFmt}
	args = append(append(args, extra...), "-f", "h264", path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
