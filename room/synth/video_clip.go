package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pion/webrtc/v3/pkg/media/ivfreader"
	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/codecs/vp8"
	"github.com/roomcast/roomcast/pipeline/media"
)

// videoClip is a looped sequence of encoded frames held in memory: VP8
// frames, or H.264 access units in Annex-B form.
type videoClip struct {
	frames [][]byte
	keys   []bool

	// pts are the frame timestamps of an IVF clip, in units of
	// timebase[0]/timebase[1] seconds; H.264 clips have none.
	pts      []uint64
	timebase [2]uint32
}

// loadVideoClip reads the clip at path for codec.
func loadVideoClip(path string, codec media.Codec) (*videoClip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open video clip: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var c *videoClip
	if codec == media.CodecH264 {
		c, err = readH264Clip(r)
	} else {
		c, err = readVP8Clip(r)
	}
	if err != nil {
		return nil, fmt.Errorf("read video clip %s: %w", path, err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("video clip %s: %w", path, err)
	}
	return c, nil
}

// readVP8Clip reads the frames of an IVF file (RFC 6386 section 9.1: bit 0
// of the first byte is 0 on a keyframe).
func readVP8Clip(r io.Reader) (*videoClip, error) {
	ivf, hdr, err := ivfreader.NewWith(r)
	if err != nil {
		return nil, fmt.Errorf("ivf header: %w", err)
	}
	c := &videoClip{timebase: [2]uint32{hdr.TimebaseNumerator, hdr.TimebaseDenominator}}
	for {
		frame, fh, err := ivf.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("ivf frame %d: %w", len(c.frames), err)
		}
		if len(frame) == 0 {
			continue
		}
		c.frames = append(c.frames, frame)
		c.keys = append(c.keys, vp8.IsKeyFrame(frame))
		c.pts = append(c.pts, fh.Timestamp)
	}
}

// readH264Clip reads an Annex-B stream and groups its NAL units into access
// units.
func readH264Clip(r io.Reader) (*videoClip, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read h264: %w", err)
	}
	return h264Clip(h264.SplitAnnexB(b))
}

// check makes sure the clip can loop: it starts with a keyframe.
func (c *videoClip) check() error {
	if len(c.frames) == 0 {
		return errors.New("video clip has no frames")
	}
	if !c.keys[0] {
		return errors.New("video clip does not start with a keyframe")
	}
	return nil
}

// nextKeyframe is the index of the first keyframe at or after i, wrapping
// around the loop.
func (c *videoClip) nextKeyframe(i int) int {
	for n := range len(c.frames) {
		j := (i + n) % len(c.frames)
		if c.keys[j] {
			return j
		}
	}
	return 0
}
