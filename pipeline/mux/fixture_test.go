package mux

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// fixture is 10 s of real H.264 and AAC made by the ffmpeg CLI.
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
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "mux-fixture")
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
	err := run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "10",
		"-c:v", "libx264", "-bf", "0", "-g", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-bsf:v", "h264_metadata=aud=insert", "-f", "h264", vPath)
	if err != nil {
		return nil, err
	}
	err = run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "10",
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
	var units []*media.Unit
	for i, au := range accessUnits(vb) {
		d := time.Duration(i) * time.Second / 30
		key := false
		for _, n := range splitAnnexB(au) {
			switch n[0] & 0x1F {
			case nalIDR:
				key = true
			case nalSPS, nalPPS:
				if i == 0 {
					f.video.Config = append(append(f.video.Config, 0, 0, 0, 1), n...)
				}
			}
		}
		units = append(units, &media.Unit{Track: f.video, PTS: d, DTS: d, Key: key, Data: au})
	}
	frames, asc := splitADTS(ab)
	f.audio.Config = asc
	for i, fr := range frames {
		d := time.Duration(i) * 1024 * time.Second / 48000
		units = append(units, &media.Unit{Track: f.audio, PTS: d, DTS: d, Key: true, Data: fr})
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].DTS < units[j].DTS })
	f.units = units
	return f, nil
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return &exec.Error{Name: name + " " + string(out), Err: err}
	}
	return nil
}

// accessUnits splits an Annex-B stream at AUDs and rebuilds each access
// unit with 4-byte start codes, as media.Unit carries H.264.
func accessUnits(b []byte) [][]byte {
	var aus [][]byte
	var cur []byte
	for _, n := range splitAnnexB(b) {
		if n[0]&0x1F == nalAUD && len(cur) > 0 {
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
// raw frames and the AudioSpecificConfig built from the first header.
func splitADTS(b []byte) (frames [][]byte, asc []byte) {
	for len(b) >= 7 && b[0] == 0xFF && b[1]&0xF0 == 0xF0 {
		hdr := 7
		if b[1]&1 == 0 {
			hdr = 9 // CRC present
		}
		n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
		if n < hdr || n > len(b) {
			break
		}
		if asc == nil {
			aot := b[2]>>6 + 1
			sfi := b[2] >> 2 & 0xF
			ch := (b[2]&1)<<2 | b[3]>>6
			v := uint16(aot)<<11 | uint16(sfi)<<7 | uint16(ch)<<3
			asc = []byte{byte(v >> 8), byte(v)}
		}
		frames = append(frames, bytes.Clone(b[hdr:n]))
		b = b[n:]
	}
	return frames, asc
}
