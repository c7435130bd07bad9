package rawrec

import (
	"fmt"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/vp8"
	"github.com/roomcast/roomcast/pipeline/media"
)

// parseVP8 reads the VP8 frame header (pipeline/codecs/vp8); a frame it
// cannot read is a bad unit.
func parseVP8(b []byte) (vp8.FrameHeader, error) {
	h, err := vp8.ParseFrameHeader(b)
	if err != nil {
		return h, fmt.Errorf("%w: %w", errBadUnit, err)
	}
	return h, nil
}

// vp8Track writes VP8 into WebM parts; the frame header, not Unit.Key,
// decides what a keyframe is.
type vp8Track struct{}

func (*vp8Track) ext() string { return "webm" }

func (*vp8Track) check(u *media.Unit) (bool, error) {
	h, err := parseVP8(u.Data)
	return h.KeyFrame, err
}

func (*vp8Track) newPart(w sink, u *media.Unit, _ time.Duration) (partWriter, error) {
	h, err := parseVP8(u.Data)
	if err != nil {
		return nil, err
	}
	p, err := newWebMPart(w, u.PTS, h.Width, h.Height)
	if err != nil {
		return nil, err
	}
	if err := p.write(u); err != nil {
		return nil, err
	}
	return p, nil
}
