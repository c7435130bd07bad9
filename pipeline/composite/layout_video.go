package composite

import (
	"bytes"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// maxPendingFrames bounds the decoded frames waiting for their output slot.
const maxPendingFrames = 60

// videoPath holds the chosen participant's video: H.264 units queued for
// passthrough, or decoded frames waiting for the encoder's next slot.
// Its methods are called with Layout.mu held.
type videoPath struct {
	cfg LayoutConfig
	log *slog.Logger

	byParticipant map[string]*media.Track
	current       *media.Track // the track shown
	pending       *media.Track // switching to it at its next keyframe
	waitKey       bool

	queue    []*media.Unit // passthrough units, in PTS order
	outTrack *media.Track  // passthrough output track (its SPS/PPS)

	decoder  *codec.VideoDecoder
	decTrack *media.Track
	frames   []*codec.VideoFrame // decoded, PTS order
	last     *codec.VideoFrame   // the frame shown most recently
}

func newVideoPath(cfg LayoutConfig, log *slog.Logger) *videoPath {
	return &videoPath{cfg: cfg, log: log, byParticipant: map[string]*media.Track{}}
}

func (v *videoPath) addTrack(t *media.Track) { v.byParticipant[t.ParticipantID] = t }

func (v *videoPath) removeTrack(t *media.Track) {
	if v.byParticipant[t.ParticipantID] == t {
		delete(v.byParticipant, t.ParticipantID)
	}
	if v.pending == t {
		v.pending = nil
	}
	if v.current == t {
		v.current = nil
		v.queue = nil
	}
}

// anyParticipant returns a participant with video, preferring the one
// shown now, or "" when there is none.
func (v *videoPath) anyParticipant() string {
	if v.current != nil {
		return v.current.ParticipantID
	}
	best := ""
	for id := range v.byParticipant {
		if best == "" || id < best {
			best = id
		}
	}
	return best
}

// choose shows participant's video from its next keyframe. It returns the
// track whose keyframe is now awaited, or nil.
func (v *videoPath) choose(participant string) *media.Track {
	t := v.byParticipant[participant]
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

// passthrough reports whether the shown video goes out untouched.
func (v *videoPath) passthrough() bool {
	return v.current != nil && v.current.Codec == media.CodecH264 && !v.cfg.NoPassthrough
}

func (v *videoPath) unit(u *media.Unit) {
	if u.Track == v.pending && u.Key {
		v.current, v.pending, v.waitKey = u.Track, nil, false
	}
	if u.Track != v.current {
		return
	}
	if v.waitKey && !u.Key {
		return
	}
	v.waitKey = false
	if v.passthrough() {
		v.queuePassthrough(u)
		return
	}
	v.decode(u)
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
	v.queue = append(v.queue, &media.Unit{Track: v.outTrack, PTS: u.PTS, DTS: u.DTS, Key: u.Key, Data: u.Data, Arrival: u.Arrival})
}

func (v *videoPath) decode(u *media.Unit) {
	if v.decoder == nil || v.decTrack != u.Track {
		v.closeDecoder()
		d, err := codec.NewVideoDecoder(u.Track.Codec)
		if err != nil {
			v.log.Warn("video decoder", "err", err)
			return
		}
		v.decoder, v.decTrack = d, u.Track
	}
	frames, err := v.decoder.Decode(u)
	if err != nil {
		v.log.Debug("video decode", "track", u.Track.ID, "err", err)
		return
	}
	v.frames = append(v.frames, frames...)
	if n := len(v.frames) - maxPendingFrames; n > 0 {
		v.frames = v.frames[n:]
	}
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

// frameAt returns the newest decoded frame at or before pts (the last
// shown one when none is newer), or nil before any frame.
func (v *videoPath) frameAt(pts time.Duration) *codec.VideoFrame {
	for len(v.frames) > 0 && v.frames[0].PTS <= pts {
		v.last = v.frames[0]
		v.frames = v.frames[1:]
	}
	if v.current == nil {
		v.last = nil // nobody to show: black
	}
	return v.last
}

func (v *videoPath) closeDecoder() {
	if v.decoder != nil {
		v.decoder.Close()
		v.decoder, v.decTrack = nil, nil
	}
}
