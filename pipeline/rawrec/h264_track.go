package rawrec

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
)

// fragmentDuration is the target length of one MP4 fragment: a GOP of
// about two seconds.
const fragmentDuration = 2 * time.Second

// h264Track keeps the newest parameter sets of an H.264 track, which
// arrive in band before keyframes.
type h264Track struct {
	track    media.Track
	sps, pps []byte
	size     h264.SPS
}

func (*h264Track) ext() string { return "mp4" }

// check drops access units without slices and takes new parameter sets;
// a part starts at an IDR once an SPS and PPS are known.
func (h *h264Track) check(u *media.Unit) (bool, error) {
	a := inspectAVC(u.Data)
	if a.slices == 0 {
		return false, fmt.Errorf("%w: no h264 slice", errBadUnit)
	}
	if a.sps != nil && !bytes.Equal(a.sps, h.sps) {
		if info, err := h264.ParseSPS(a.sps); err == nil {
			h.sps, h.size = bytes.Clone(a.sps), info
		}
	}
	if a.pps != nil && len(a.pps) >= 2 {
		h.pps = bytes.Clone(a.pps)
	}
	return u.Key && a.idr && h.sps != nil && h.pps != nil, nil
}

func (h *h264Track) newPart(w sink, u *media.Unit, gap time.Duration) (partWriter, error) {
	t := h.track
	t.Config = h264.JoinAnnexB([][]byte{h.sps, h.pps})
	t.Width, t.Height = h.size.Width, h.size.Height
	t.FPS = fpsOf(gap)
	seg, err := mux.NewSegmenter(mux.SegmenterConfig{Tracks: []*media.Track{&t}, TargetDuration: fragmentDuration})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadUnit, err)
	}
	if err := seg.WriteInit(w); err != nil {
		return nil, fmt.Errorf("write mp4 init: %w", err)
	}
	p := &mp4Part{w: w, seg: seg, track: &t}
	if err := p.write(u); err != nil {
		return nil, err
	}
	return p, nil
}

// fpsOf is the nominal frame rate for a frame spacing: the duration the
// muxer gives a part's last frame.
func fpsOf(gap time.Duration) int {
	if gap <= 0 {
		return 30
	}
	return int(min(max((time.Second+gap/2)/gap, 1), 120))
}

// mp4Part writes a fragmented MP4 part: the init segment, then one
// fragment per GOP (pipeline/mux).
type mp4Part struct {
	w     io.Writer
	seg   *mux.Segmenter
	track *media.Track
	dur   time.Duration
}

func (p *mp4Part) write(u *media.Unit) error {
	v := *u
	v.Track = p.track
	v.DTS = v.PTS // WebRTC H.264 has no B-frames: decode order is PTS order
	s, err := p.seg.Push(&v)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadUnit, err)
	}
	return p.emit(s)
}

func (p *mp4Part) emit(s *mux.Segment) error {
	if s == nil {
		return nil
	}
	if _, err := p.w.Write(s.Data); err != nil {
		return fmt.Errorf("write mp4 fragment: %w", err)
	}
	p.dur += s.Duration
	return nil
}

// finish writes the last fragment; its last frame lasts one nominal frame.
func (p *mp4Part) finish(time.Duration) (time.Duration, error) {
	s, err := p.seg.Flush()
	if err != nil {
		return 0, fmt.Errorf("flush mp4: %w", err)
	}
	if err := p.emit(s); err != nil {
		return 0, err
	}
	return p.dur, nil
}
