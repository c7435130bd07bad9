package rawrec

import (
	"fmt"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// vp8Header is what a VP8 frame header says (RFC 6386 §9.1).
type vp8Header struct {
	key           bool
	width, height int
}

// parseVP8 reads the 3-byte frame tag and, for keyframes, the start code
// 9d 01 2a and the 14-bit width and height (little-endian, upper two bits
// the scaling).
func parseVP8(b []byte) (vp8Header, error) {
	if len(b) < 3 {
		return vp8Header{}, fmt.Errorf("%w: vp8 frame of %d bytes", errBadUnit, len(b))
	}
	if b[0]&1 != 0 {
		return vp8Header{}, nil // interframe
	}
	if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return vp8Header{}, fmt.Errorf("%w: vp8 keyframe without start code", errBadUnit)
	}
	h := vp8Header{
		key:    true,
		width:  int(b[6]) | int(b[7]&0x3f)<<8,
		height: int(b[8]) | int(b[9]&0x3f)<<8,
	}
	if h.width == 0 || h.height == 0 {
		return vp8Header{}, fmt.Errorf("%w: vp8 keyframe of %dx%d", errBadUnit, h.width, h.height)
	}
	return h, nil
}

// vp8Track writes VP8 into WebM parts; the frame header, not Unit.Key,
// decides what a keyframe is.
type vp8Track struct{}

func (*vp8Track) ext() string { return "webm" }

func (*vp8Track) check(u *media.Unit) (bool, error) {
	h, err := parseVP8(u.Data)
	return h.key, err
}

func (*vp8Track) newPart(w sink, u *media.Unit, _ time.Duration) (partWriter, error) {
	h, err := parseVP8(u.Data)
	if err != nil {
		return nil, err
	}
	p, err := newWebMPart(w, u.PTS, h.width, h.height)
	if err != nil {
		return nil, err
	}
	if err := p.write(u); err != nil {
		return nil, err
	}
	return p, nil
}
