package rtmp

import (
	"bytes"
	"context"
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

// fixture is 6 s of real media, encoded by the ffmpeg CLI at test time:
// 320x240 testsrc2 at 30 fps in H.264 (GOP 60, no B-frames, AUDs) and a
// 48 kHz stereo sine in AAC-LC.
type fixture struct {
	video, audio *media.Track
	units        []*media.Unit // in DTS order
	duration     time.Duration
}

const (
	fixtureSeconds = 6
	fixtureFPS     = 30
	fixtureGOP     = 60
)

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
	fixtureDir  string // set by TestMain
)

// loadFixture encodes the media once per test binary.
func loadFixture(t testing.TB) *fixture {
	t.Helper()
	fixtureOnce.Do(func() { fixtureVal, fixtureErr = encodeFixture(fixtureDir) })
	if fixtureErr != nil {
		t.Fatalf("fixture: %v", fixtureErr)
	}
	return fixtureVal
}

func encodeFixture(dir string) (*fixture, error) {
	vPath, aPath := filepath.Join(dir, "v.h264"), filepath.Join(dir, "a.aac")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	secs := fmt.Sprint(fixtureSeconds)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-t", secs, "-i", fmt.Sprintf("testsrc2=size=320x240:rate=%d", fixtureFPS),
		"-f", "lavfi", "-t", secs, "-i", "sine=frequency=440:sample_rate=48000",
		"-map", "0:v", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
		"-g", fmt.Sprint(fixtureGOP), "-keyint_min", fmt.Sprint(fixtureGOP), "-sc_threshold", "0", "-bf", "0",
		"-b:v", "500k", "-bsf:v", "h264_metadata=aud=insert", "-f", "h264", vPath,
		"-map", "1:a", "-c:a", "aac", "-ac", "2", "-b:a", "96k", "-f", "adts", aPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %v: %s", err, out)
	}
	vData, err := os.ReadFile(vPath)
	if err != nil {
		return nil, err
	}
	aData, err := os.ReadFile(aPath)
	if err != nil {
		return nil, err
	}
	f := &fixture{
		video: &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000,
			Width: 320, Height: 240, FPS: fixtureFPS, BitrateKbps: 500},
		audio: &media.Track{ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: 48000,
			SampleRate: 48000, Channels: 2, BitrateKbps: 96},
		duration: fixtureSeconds * time.Second,
	}
	if err := f.addVideo(vData); err != nil {
		return nil, err
	}
	if err := f.addAudio(aData); err != nil {
		return nil, err
	}
	sort.SliceStable(f.units, func(i, j int) bool { return f.units[i].DTS < f.units[j].DTS })
	return f, nil
}

// addVideo splits the Annex-B stream into access units at each AUD and
// rewrites every start code to 4 bytes.
func (f *fixture) addVideo(data []byte) error {
	var au *media.Unit
	n := 0
	for _, nalu := range h264.SplitAnnexB(data) {
		typ := h264.Type(nalu)
		if typ == h264.NALUTypeAUD {
			ts := time.Duration(n) * time.Second / fixtureFPS
			au = &media.Unit{Track: f.video, PTS: ts, DTS: ts}
			f.units = append(f.units, au)
			n++
		}
		if au == nil {
			return fmt.Errorf("video does not start with an AUD")
		}
		au.Data = append(au.Data, 0, 0, 0, 1)
		au.Data = append(au.Data, nalu...)
		switch typ {
		case h264.NALUTypeIDR:
			au.Key = true
		case h264.NALUTypeSPS, h264.NALUTypePPS:
			if n == 1 {
				f.video.Config = append(f.video.Config, 0, 0, 0, 1)
				f.video.Config = append(f.video.Config, nalu...)
			}
		}
	}
	if n < fixtureSeconds*fixtureFPS-1 || len(f.video.Config) == 0 {
		return fmt.Errorf("parsed %d video frames, config %d bytes", n, len(f.video.Config))
	}
	return nil
}

// addAudio strips the ADTS headers (ISO/IEC 13818-7 6.2) and derives the
// AudioSpecificConfig from the first.
func (f *fixture) addAudio(data []byte) error {
	n := 0
	for len(data) >= 7 {
		if data[0] != 0xff || data[1]&0xf0 != 0xf0 {
			return fmt.Errorf("ADTS sync lost after %d frames", n)
		}
		hdrLen := 7
		if data[1]&1 == 0 {
			hdrLen = 9 // with CRC
		}
		frameLen := int(data[3]&3)<<11 | int(data[4])<<3 | int(data[5])>>5
		if frameLen < hdrLen || frameLen > len(data) {
			return fmt.Errorf("bad ADTS frame length %d", frameLen)
		}
		if n == 0 {
			objType := data[2]>>6 + 1
			freq := data[2] >> 2 & 0xf
			ch := (data[2]&1)<<2 | data[3]>>6
			f.audio.Config = []byte{objType<<3 | freq>>1, (freq&1)<<7 | ch<<3}
		}
		ts := time.Duration(n) * 1024 * time.Second / 48000
		f.units = append(f.units, &media.Unit{Track: f.audio, PTS: ts, DTS: ts, Key: true,
			Data: bytes.Clone(data[hdrLen:frameLen])})
		data = data[frameLen:]
		n++
	}
	if n < fixtureSeconds*48000/1024-2 {
		return fmt.Errorf("parsed only %d AAC frames", n)
	}
	return nil
}
