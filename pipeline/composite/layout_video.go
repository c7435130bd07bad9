package composite

import (
	"bytes"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// videoPath holds the passed-through participant's video: H.264 units
// queued for their output slot. Its methods are called with Layout.mu
// held.
type videoPath struct {
	cfg LayoutConfig
	log *slog.Logger

	current *media.Track // the track shown
	pending *media.Track // switching to it at its next keyframe
	waitKey bool

	queue    []*media.Unit // passthrough units, in PTS order
	outTrack *media.Track  // passthrough output track (its SPS/PPS)
}

func newVideoPath(cfg LayoutConfig, log *slog.Logger) *videoPath {
	return &videoPath{cfg: cfg, log: log}
}

func (v *videoPath) removeTrack(t *media.Track) {
	if v.pending == t {
		v.pending = nil
	}
	if v.current == t {
		v.current = nil
		v.queue = nil
	}
}

// release stops passing video through: the next choice starts afresh.
func (v *videoPath) release() {
	v.current, v.pending, v.queue = nil, nil, nil
}

// choose shows t from its next keyframe. It returns the track whose
// keyframe is now awaited, or nil.
func (v *videoPath) choose(t *media.Track) *media.Track {
	if t == nil || t == v.current || t == v.pending {
		return nil
	}
	if v.current == nil {
		v.current, v.waitKey = t, true
	} else {
		v.pending = t
	}
	return t
}

// unit queues u when it is of the track shown. It reports whether u is
// a keyframe that cannot start the passthrough for want of SPS and PPS
// (none in it, and none seen before: its parameter-set packets were
// lost, or its publisher sends them only now and then), so that the
// caller asks for another.
func (v *videoPath) unit(u *media.Unit) (wantKey bool) {
	if u.Track == v.pending && u.Key {
		v.current, v.pending, v.waitKey = u.Track, nil, false
	}
	if u.Track != v.current {
		return false
	}
	if v.waitKey && !u.Key {
		return false
	}
	v.waitKey = false
	v.queuePassthrough(u)
	return u.Key && v.outTrack == nil
}

// queuePassthrough re-labels a source unit with the output track, which
// changes whenever the SPS/PPS change (so muxers resend sequence headers).
func (v *videoPath) queuePassthrough(u *media.Unit) {
	if u.Key {
		if ps := codec.ParameterSets(u.Data); len(ps) > 0 && (v.outTrack == nil || !bytes.Equal(ps, v.outTrack.Config)) {
			w, h := spsSize(ps)
			v.outTrack = &media.Track{
				ID: "video", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000,
				Width: w, Height: h, FPS: v.cfg.FPS, Config: ps,
			}
		}
	}
	if v.outTrack == nil {
		return // no SPS/PPS seen yet: nothing decodable to send
	}
	v.queue = append(v.queue, &media.Unit{Track: v.outTrack, PTS: u.PTS, DTS: u.DTS, Key: u.Key, Data: u.Data, Arrival: u.Arrival, Path: media.PathPassthrough})
}

// keyDue reports whether the passthrough can start at slot: its first
// keyframe is queued and due.
func (v *videoPath) keyDue(slot time.Duration) bool {
	return v.current != nil && !v.waitKey && len(v.queue) > 0 && v.queue[0].PTS <= slot
}

// takePassthrough removes the queued units due by horizon.
func (v *videoPath) takePassthrough(horizon time.Duration) []*media.Unit {
	n := 0
	for n < len(v.queue) && v.queue[n].PTS <= horizon {
		n++
	}
	out := v.queue[:n:n]
	v.queue = v.queue[n:]
	return out
}
