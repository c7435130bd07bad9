package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pion/webrtc/v3/pkg/media/ivfreader"
	"github.com/pion/webrtc/v3/pkg/media/oggreader"

	"github.com/roomcast/roomcast/pipeline/media"
)

// The composite benchmark's inputs: one WebM file per participant (VP8
// 640x360 30 fps, Opus stereo 48 kHz) and a 1280x720 15 fps VP8 screen
// share. ffmpeg reads the WebM files; roomcast's feeder reads the same
// bitstreams remuxed (stream copy) to IVF and Ogg.
const (
	compositeMaxParticipants    = 10
	cameraW, cameraH, cameraFPS = 640, 360, 30
	screenW, screenH, screenFPS = 1280, 720, 15
	// speakTurn: participants speak in turns of this long (one tone
	// each, silence otherwise), so the active speaker changes.
	speakTurn = 4 * time.Second
)

// compositeInputs is the folder of input files.
type compositeInputs struct{ dir string }

func (in compositeInputs) webm(name string) string { return filepath.Join(in.dir, name+".webm") }
func (in compositeInputs) ivf(name string) string  { return filepath.Join(in.dir, name+".ivf") }
func (in compositeInputs) ogg(name string) string  { return filepath.Join(in.dir, name+".ogg") }

func participantName(i int) string { return "p" + strconv.Itoa(i) }

const screenName = "screen"

// makeCompositeInputs encodes the inputs, length long each.
func makeCompositeInputs(b *testing.B, length time.Duration) compositeInputs {
	b.Helper()
	in := compositeInputs{dir: b.TempDir()}
	secs := fmt.Sprintf("%.3f", length.Seconds())
	for i := range compositeMaxParticipants {
		// A distinct hue and tone per participant; it speaks in its turn.
		tone := fmt.Sprintf("0.3*sin(2*PI*%d*t)*eq(mod(floor(t/%g)\\,%d)\\,%d)",
			220+55*i, speakTurn.Seconds(), compositeMaxParticipants, i)
		ffmpeg(b, "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d,hue=h=%d", cameraW, cameraH, cameraFPS, 36*i),
			"-f", "lavfi", "-i", fmt.Sprintf("aevalsrc=exprs=%s|%s:s=48000", tone, tone),
			"-t", secs, "-map", "0:v", "-map", "1:a", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
			"-b:v", "600k", "-g", "300", "-auto-alt-ref", "0", "-lag-in-frames", "0",
			"-c:a", "libopus", "-b:a", "32k", "-ac", "2", "-f", "webm", in.webm(participantName(i)))
		remux(b, in, participantName(i), true)
	}
	ffmpeg(b, "-f", "lavfi", "-i", fmt.Sprintf("testsrc=size=%dx%d:rate=%d", screenW, screenH, screenFPS),
		"-t", secs, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1200k", "-g", "300",
		"-auto-alt-ref", "0", "-lag-in-frames", "0", "-f", "webm", in.webm(screenName))
	remux(b, in, screenName, false)
	return in
}

// remux copies a WebM file's VP8 to IVF and its Opus to Ogg, one 20 ms
// packet a page, so each page read is one unit.
func remux(b *testing.B, in compositeInputs, name string, audio bool) {
	args := []string{"-i", in.webm(name), "-map", "0:v", "-c", "copy", "-f", "ivf", in.ivf(name)}
	if audio {
		args = append(args, "-map", "0:a", "-c", "copy", "-page_duration", "20000", "-f", "ogg", in.ogg(name))
	}
	ffmpeg(b, args...)
}

// unitReader reads one track's units in PTS order.
type unitReader interface {
	next() (*media.Unit, error) // io.EOF at the end
}

// ivfUnits reads VP8 frames from an IVF file.
type ivfUnits struct {
	track    *media.Track
	r        *ivfreader.IVFReader
	num, den uint64 // timebase
}

func openIVF(path string, t *media.Track) (*ivfUnits, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, h, err := ivfreader.NewWith(f)
	if err != nil || h.TimebaseDenominator == 0 {
		f.Close()
		return nil, nil, fmt.Errorf("%s: ivf header: %v", path, err)
	}
	return &ivfUnits{track: t, r: r, num: uint64(h.TimebaseNumerator), den: uint64(h.TimebaseDenominator)}, f, nil
}

func (v *ivfUnits) next() (*media.Unit, error) {
	frame, h, err := v.r.ParseNextFrame()
	if err != nil {
		return nil, err
	}
	pts := time.Duration(h.Timestamp * v.num * uint64(time.Second) / v.den)
	// RFC 6386 section 9.1: bit 0 of the frame tag is 0 on a key frame.
	key := len(frame) > 0 && frame[0]&1 == 0
	return &media.Unit{Track: v.track, PTS: pts, DTS: pts, Key: key, Data: frame}, nil
}

// oggUnits reads Opus packets from an Ogg file of one packet a page
// (RFC 7845); a packet's PTS is the granule position before it.
type oggUnits struct {
	track *media.Track
	r     *oggreader.OggReader
	prev  uint64 // granule position of the previous page
}

func openOgg(path string, t *media.Track) (*oggUnits, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: ogg header: %w", path, err)
	}
	return &oggUnits{track: t, r: r}, f, nil
}

func (o *oggUnits) next() (*media.Unit, error) {
	for {
		payload, h, err := o.r.ParseNextPage()
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(payload, []byte("OpusTags")) {
			continue
		}
		pts := time.Duration(o.prev) * time.Second / 48000
		o.prev = h.GranulePosition
		return &media.Unit{Track: o.track, PTS: pts, DTS: pts, Key: true, Data: payload}, nil
	}
}
