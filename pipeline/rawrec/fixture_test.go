package rawrec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// fixtureSeconds of each codec are made by the ffmpeg CLI once per run.
const fixtureSeconds = 5

// clip is one codec's units with PTS from 0, and the media they span.
type clip struct {
	units    []*media.Unit
	duration time.Duration
}

type fixtures struct {
	h264, vp8, opus clip
	sps             []byte // the H.264 fixture's SPS NAL unit
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureVal  *fixtures
	fixtureErr  error
)

func loadFixtures(t *testing.T) *fixtures {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "rawrec-fixture")
		if fixtureErr == nil {
			fixtureVal, fixtureErr = makeFixtures(fixtureDir)
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureVal
}

func ffmpeg(args ...string) error {
	out, err := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg %v: %w: %s", args, err, out)
	}
	return nil
}

func makeFixtures(dir string) (*fixtures, error) {
	var f fixtures
	var err error
	if f.h264, f.sps, err = makeH264(dir); err != nil {
		return nil, err
	}
	if f.vp8, err = makeVP8(dir); err != nil {
		return nil, err
	}
	if f.opus, err = makeOpus(dir); err != nil {
		return nil, err
	}
	return &f, nil
}

// frameTime is the PTS of frame n at 30 fps.
func frameTime(n int) time.Duration { return time.Duration(n) * time.Second / 30 }

// makeH264 encodes 30 fps with a keyframe each second, AUDs to split
// access units and SPS/PPS before every keyframe, as WebRTC sends them.
func makeH264(dir string) (clip, []byte, error) {
	path := filepath.Join(dir, "v.h264")
	err := ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", fmt.Sprint(fixtureSeconds),
		"-c:v", "libx264", "-bf", "0", "-g", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-x264-params", "repeat-headers=1", "-bsf:v", "h264_metadata=aud=insert", "-f", "h264", path)
	if err != nil {
		return clip{}, nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return clip{}, nil, err
	}
	aus := bytes.Split(b, []byte{0, 0, 0, 1, 9})
	var c clip
	var sps []byte
	for _, au := range aus[1:] {
		data := append([]byte{0, 0, 0, 1, 9}, au...)
		a := inspectAVC(data)
		if sps == nil {
			sps = a.sps
		}
		c.units = append(c.units, &media.Unit{PTS: frameTime(len(c.units)), Key: a.idr, Data: data})
	}
	c.duration = frameTime(len(c.units))
	if len(c.units) != 30*fixtureSeconds || sps == nil {
		return clip{}, nil, fmt.Errorf("h264 fixture: %d units, sps %x", len(c.units), sps)
	}
	return c, sps, nil
}

// makeVP8 encodes VP8 into IVF and reads its frames (IVF: a 32-byte file
// header, then 12-byte frame headers of size and timestamp).
func makeVP8(dir string) (clip, error) {
	path := filepath.Join(dir, "v.ivf")
	err := ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", fmt.Sprint(fixtureSeconds),
		"-c:v", "libvpx", "-g", "30", "-b:v", "500k", "-deadline", "realtime", "-f", "ivf", path)
	if err != nil {
		return clip{}, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return clip{}, err
	}
	if len(b) < 32 || string(b[:4]) != "DKIF" {
		return clip{}, errors.New("not an IVF file")
	}
	var c clip
	for b = b[32:]; len(b) >= 12; {
		n := int(binary.LittleEndian.Uint32(b))
		if len(b) < 12+n {
			return clip{}, errors.New("truncated IVF frame")
		}
		data := b[12 : 12+n]
		c.units = append(c.units, &media.Unit{PTS: frameTime(len(c.units)), Key: data[0]&1 == 0, Data: data})
		b = b[12+n:]
	}
	c.duration = frameTime(len(c.units))
	if len(c.units) != 30*fixtureSeconds {
		return clip{}, fmt.Errorf("vp8 fixture: %d frames", len(c.units))
	}
	return c, nil
}

// makeOpus encodes 20 ms Opus packets into Ogg and reads them back.
func makeOpus(dir string) (clip, error) {
	path := filepath.Join(dir, "a.ogg")
	err := ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", fmt.Sprint(fixtureSeconds),
		"-ac", "2", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-f", "ogg", path)
	if err != nil {
		return clip{}, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return clip{}, err
	}
	pkts, err := oggPackets(b)
	if err != nil {
		return clip{}, err
	}
	if len(pkts) < 3 || !bytes.HasPrefix(pkts[0], []byte("OpusHead")) {
		return clip{}, errors.New("opus fixture: no OpusHead")
	}
	var c clip
	for _, p := range pkts[2:] {
		c.units = append(c.units, &media.Unit{PTS: c.duration, Key: true, Data: p})
		n, err := opusSamples(p)
		if err != nil {
			return clip{}, err
		}
		c.duration += time.Duration(n) * time.Second / opusRate
	}
	return c, nil
}
