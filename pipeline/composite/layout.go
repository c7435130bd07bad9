package composite

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// Layout turns a room's tracks into one encoded stream: the video of the
// active speaker (or of one named participant) and the mix of every
// participant's audio, encoded once as H.264 + AAC. H.264 video passes
// through untouched when nothing requires re-encoding; otherwise it is
// decoded, scaled and encoded at a constant frame rate.
//
// Layout implements the ingest's Handler (TrackAdded, Unit, TrackRemoved);
// Run produces the output.
type Layout struct {
	cfg   LayoutConfig
	log   *slog.Logger
	clock mediaClock

	encodeNanos atomic.Int64 // time spent in encoders

	mu       sync.Mutex
	tracks   map[*media.Track]*inputTrack
	selector *SpeakerSelector
	mixer    *Mixer
	video    *videoPath
	out      *Interleaver
	mixStart bool
}

// inputTrack is the per-track state of one source track.
type inputTrack struct {
	track *media.Track
	audio *codec.AudioDecoder
	resam *codec.Resampler
}

// NewLayout builds a layout.
func NewLayout(cfg LayoutConfig) (*Layout, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sel, err := NewSpeakerSelector(cfg.Speaker)
	if err != nil {
		return nil, fmt.Errorf("speaker selector: %w", err)
	}
	out, err := NewInterleaver(InterleaverConfig{})
	if err != nil {
		return nil, fmt.Errorf("interleaver: %w", err)
	}
	l := &Layout{
		cfg: cfg, log: cfg.Logger, clock: mediaClock{now: cfg.Now},
		tracks: map[*media.Track]*inputTrack{}, selector: sel, out: out,
	}
	l.video = newVideoPath(cfg, l.log)
	return l, nil
}

// EncodeTime is the time spent encoding so far.
func (l *Layout) EncodeTime() time.Duration { return time.Duration(l.encodeNanos.Load()) }

// timeEncode adds the time since start to the encode time.
func (l *Layout) timeEncode(start time.Time) { l.encodeNanos.Add(int64(time.Since(start))) }

// TrackAdded registers a source track.
func (l *Layout) TrackAdded(t *media.Track) {
	l.mu.Lock()
	defer l.mu.Unlock()
	in := &inputTrack{track: t}
	l.tracks[t] = in
	if t.Kind == media.KindVideo {
		l.video.addTrack(t)
		l.chooseVideo()
	}
}

// TrackRemoved forgets a source track.
func (l *Layout) TrackRemoved(t *media.Track) {
	l.mu.Lock()
	defer l.mu.Unlock()
	in := l.tracks[t]
	if in == nil {
		return
	}
	delete(l.tracks, t)
	in.close()
	switch t.Kind {
	case media.KindAudio:
		if l.mixer != nil {
			l.mixer.Remove(t.ParticipantID)
		}
		l.selector.Remove(t.ParticipantID)
	case media.KindVideo:
		l.video.removeTrack(t)
	}
	l.chooseVideo()
}

// Unit takes one source unit.
func (l *Layout) Unit(u *media.Unit) {
	l.clock.observe(u.PTS)
	l.mu.Lock()
	defer l.mu.Unlock()
	in := l.tracks[u.Track]
	if in == nil {
		return
	}
	switch u.Track.Kind {
	case media.KindAudio:
		l.audioUnit(in, u)
	case media.KindVideo:
		l.video.unit(u)
	}
}

// chooseVideo points the video path at the participant to show.
func (l *Layout) chooseVideo() {
	id := l.selector.Current()
	if l.cfg.Mode == ModeSingle {
		id = l.participantByName(l.cfg.Participant)
	} else if id == "" {
		id = l.video.anyParticipant() // nobody has spoken yet: show someone
	}
	if t := l.video.choose(id); t != nil {
		l.cfg.RequestKeyframe(t.ID)
	}
}

func (l *Layout) participantByName(name string) string {
	for t := range l.tracks {
		if t.ParticipantName == name {
			return t.ParticipantID
		}
	}
	return ""
}

func (in *inputTrack) close() {
	if in.audio != nil {
		in.audio.Close()
	}
	if in.resam != nil {
		in.resam.Close()
	}
}
