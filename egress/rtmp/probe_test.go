package rtmp

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// probe is what ffprobe says about a file.
type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v", err)
	}
	return p
}

// checkRecording asserts that an FLV nginx recorded is 320x240 H.264 +
// AAC of about want and decodes without a single error. (nginx-rtmp's
// recorder never writes onMetaData; TestMetadataReachesPlayers checks it.)
func checkRecording(t *testing.T, path string, want time.Duration) flvInfo {
	t.Helper()
	p := ffprobe(t, path)
	checkStreams(t, p)
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	if math.Abs(d-want.Seconds()) > 1 {
		t.Errorf("duration %.3fs, want %s ±1s", d, want)
	}
	out, err := execFFmpegDecode(path)
	if err != nil || len(out) > 0 {
		t.Errorf("ffmpeg decode: %v: %s", err, out)
	}
	info := parseFLV(t, path)
	t.Logf("%s: %.3fs, %d video frames (%d keyframes), %d audio frames, %d bytes",
		path, d, info.videoFrames, info.keyframes, info.audioFrames, info.size)
	return info
}

// execFFmpegDecode decodes path with ffmpeg and returns what it printed
// about errors.
func execFFmpegDecode(path string) ([]byte, error) {
	return exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
}

func checkStreams(t *testing.T, p probe) {
	t.Helper()
	codecs := map[string]string{}
	for _, s := range p.Streams {
		codecs[s.CodecType] = s.CodecName
		if s.CodecType == "video" && (s.Width != 320 || s.Height != 240) {
			t.Errorf("video %dx%d, want 320x240", s.Width, s.Height)
		}
	}
	if codecs["video"] != "h264" || codecs["audio"] != "aac" {
		t.Errorf("streams %v, want h264 video and aac audio", codecs)
	}
}

// checkMetadata asserts the onMetaData this package sends for the fixture.
func checkMetadata(t *testing.T, m map[string]any) {
	t.Helper()
	for k, v := range map[string]any{"width": 320.0, "height": 240.0, "framerate": 30.0, "videocodecid": 7.0,
		"audiocodecid": 10.0, "audiosamplerate": 48000.0, "audiosamplesize": 16.0, "stereo": true,
		"videodatarate": 500.0, "audiodatarate": 96.0, "encoder": "roomcast"} {
		if m[k] != v {
			t.Errorf("onMetaData %s = %v, want %v", k, m[k], v)
		}
	}
}

// flvInfo summarises an FLV file's tags (FLV spec v10.1, annex E).
type flvInfo struct {
	meta                                map[string]any
	videoFrames, keyframes, audioFrames int
	videoHeaders, audioHeaders          int
	size                                int
}

func parseFLV(t *testing.T, path string) flvInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info := flvInfo{size: len(b)}
	if len(b) < 13 || string(b[:3]) != "FLV" {
		t.Fatalf("%s is not an FLV file", path)
	}
	for p := 13; p+11 <= len(b); {
		typ, size := b[p]&0x1f, int(b[p+1])<<16|int(b[p+2])<<8|int(b[p+3])
		if p+11+size > len(b) {
			break
		}
		body := b[p+11 : p+11+size]
		if err := info.add(typ, body); err != nil {
			t.Fatalf("tag at %d: %v", p, err)
		}
		p += 11 + size + 4
	}
	return info
}

func (f *flvInfo) add(typ byte, body []byte) error {
	switch {
	case typ == 18:
		vals, err := amfDecodeAll(body)
		if err != nil || len(vals) < 2 || vals[0] != "onMetaData" {
			return fmt.Errorf("script tag %v: %v", vals, err)
		}
		if f.meta == nil {
			f.meta, _ = vals[1].(map[string]any)
		}
	case typ == 9 && len(body) >= 5 && body[1] == 0:
		f.videoHeaders++
	case typ == 9 && len(body) >= 5:
		f.videoFrames++
		if body[0]>>4 == 1 {
			f.keyframes++
		}
		if n := binary.BigEndian.Uint32(body[5:]); int(n) > len(body)-9 {
			return fmt.Errorf("video NALU length %d beyond the tag", n)
		}
	case typ == 8 && len(body) >= 2 && body[1] == 0:
		f.audioHeaders++
	case typ == 8:
		f.audioFrames++
	}
	return nil
}
