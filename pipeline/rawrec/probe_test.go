package rawrec

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// probed is what ffprobe says of a file.
type probed struct {
	codec    string
	duration time.Duration
}

func ffprobe(t *testing.T, path string) probed {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	sec, err := strconv.ParseFloat(r.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe %s duration %q: %v", path, r.Format.Duration, err)
	}
	return probed{codec: r.Streams[0].CodecName, duration: time.Duration(sec * float64(time.Second))}
}

// decodeErrors is what ffmpeg prints when decoding the whole file.
func decodeErrors(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v: %s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}
