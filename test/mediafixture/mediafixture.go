// Package mediafixture makes real encoded media for tests: H.264 and AAC
// produced by the ffmpeg CLI at test time and cut into media.Units, as
// roomcast's encoder hands them to outputs.
package mediafixture

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// Fixture is Length of 320x240 30 fps H.264 (a keyframe every second, no
// B-frames) and 48 kHz stereo AAC, as units in DTS order.
type Fixture struct {
	Video, Audio *media.Track
	Units        []*media.Unit
	Length       time.Duration
}

var (
	once  sync.Once
	value *Fixture
	err   error
)

// Load returns the 10 s fixture, made once per test binary. A missing
// ffmpeg fails the test: `make test` installs it.
func Load(t testing.TB) *Fixture {
	t.Helper()
	once.Do(func() {
		var dir string
		dir, err = os.MkdirTemp("", "mediafixture")
		if err != nil {
			return
		}
		defer os.RemoveAll(dir)
		value, err = Make(dir, 10*time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	return value
}

// Make encodes length of test media in dir with ffmpeg.
func Make(dir string, length time.Duration) (*Fixture, error) {
	secs := fmt.Sprintf("%.3f", length.Seconds())
	vPath, aPath := filepath.Join(dir, "v.h264"), filepath.Join(dir, "a.aac")
	err := run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", secs,
		"-c:v", "libx264", "-bf", "0", "-g", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-bsf:v", "h264_metadata=aud=insert", "-f", "h264", vPath)
	if err != nil {
		return nil, err
	}
	err = run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", secs,
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
	f := &Fixture{
		Length: length,
		Video:  &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000, Width: 320, Height: 240, FPS: 30},
		Audio:  &media.Track{ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: 48000, SampleRate: 48000, Channels: 2},
	}
	f.Units = append(f.videoUnits(vb), f.audioUnits(ab)...)
	sort.SliceStable(f.Units, func(i, j int) bool { return f.Units[i].DTS < f.Units[j].DTS })
	return f, nil
}

func (f *Fixture) videoUnits(b []byte) []*media.Unit { return H264Units(f.Video, b, 30) }

// H264Units cuts an Annex-B stream with access unit delimiters into
// units of track tr at fps, keyframes marked, and sets tr.Config to the
// first access unit's SPS and PPS.
func H264Units(tr *media.Track, b []byte, fps int) []*media.Unit {
	var units []*media.Unit
	for i, au := range AccessUnits(b) {
		d := time.Duration(i) * time.Second / time.Duration(fps)
		key := false
		for _, n := range h264.SplitAnnexB(au) {
			switch h264.Type(n) {
			case h264.NALUTypeIDR:
				key = true
			case h264.NALUTypeSPS, h264.NALUTypePPS:
				if i == 0 {
					tr.Config = append(append(tr.Config, 0, 0, 0, 1), n...)
				}
			}
		}
		units = append(units, &media.Unit{Track: tr, PTS: d, DTS: d, Key: key, Data: au})
	}
	return units
}

func (f *Fixture) audioUnits(b []byte) []*media.Unit {
	frames, asc := SplitADTS(b)
	f.Audio.Config = asc
	var units []*media.Unit
	for i, fr := range frames {
		d := time.Duration(i) * 1024 * time.Second / 48000
		units = append(units, &media.Unit{Track: f.Audio, PTS: d, DTS: d, Key: true, Data: fr})
	}
	return units
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

// AccessUnits splits an Annex-B stream at AUDs and rebuilds each access
// unit with 4-byte start codes, as media.Unit carries H.264.
func AccessUnits(b []byte) [][]byte {
	var aus [][]byte
	var cur []byte
	for _, n := range h264.SplitAnnexB(b) {
		if h264.Type(n) == h264.NALUTypeAUD && len(cur) > 0 {
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

// SplitADTS strips ADTS headers (ISO/IEC 14496-3 §1.A.2) and returns the
// raw frames and the AudioSpecificConfig built from the first header.
func SplitADTS(b []byte) (frames [][]byte, asc []byte) {
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
