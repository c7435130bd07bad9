package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Luma is the luma plane of one decoded picture.
type Luma struct {
	W, H int
	Y    []byte
}

// GrabLuma decodes the picture of a w×h video at time at of path (a file
// or URL ffmpeg reads). With $ROOMCAST_E2E_KEEP set it also saves the
// picture there as a PNG named name, for a person to look at.
func GrabLuma(t testing.TB, path string, at time.Duration, w, h int, name string) *Luma {
	t.Helper()
	ss := strconv.FormatFloat(at.Seconds(), 'f', 3, 64)
	cmd := exec.Command("ffmpeg", "-v", "error", "-ss", ss, "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || out.Len() != w*h {
		t.Fatalf("grab frame at %s of %s: %v (%d bytes, want %dx%d): %s", ss, path, err, out.Len(), w, h, errb.String())
	}
	if dir := os.Getenv("ROOMCAST_E2E_KEEP"); dir != "" {
		png := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")+"-"+name+".png")
		_ = exec.Command("ffmpeg", "-v", "error", "-y", "-ss", ss, "-i", path, "-frames:v", "1", png).Run()
	}
	return &Luma{W: w, H: h, Y: out.Bytes()}
}

// Mean is the mean luma of the rectangle (x, y, w, h).
func (l *Luma) Mean(x, y, w, h int) float64 {
	sum, n := 0, 0
	for r := max(y, 0); r < min(y+h, l.H); r++ {
		for c := max(x, 0); c < min(x+w, l.W); c++ {
			sum += int(l.Y[r*l.W+c])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// Centre is the mean luma of the middle third of the rectangle.
func (l *Luma) Centre(x, y, w, h int) float64 {
	return l.Mean(x+w/3, y+h/3, w/3, h/3)
}

// String describes the picture's size.
func (l *Luma) String() string { return fmt.Sprintf("%dx%d picture", l.W, l.H) }
