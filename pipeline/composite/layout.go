package composite

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// Layout turns a room's tracks into one encoded stream: a picture
// composed from the participants' videos by a tile layout (grid, speaker
// with thumbnails, presentation, single, custom regions) and the mix of
// every participant's audio, encoded once as H.264 + AAC at a constant
// frame rate. When the picture is one participant's H.264 alone (layouts
// single and speaker), it passes through untouched instead.
//
// Layout implements the ingest's Handler (TrackAdded, Unit, TrackRemoved);
// Run produces the output; SetView changes the layout while it runs.
type Layout struct {
	cfg   LayoutConfig
	log   *slog.Logger
	clock mediaClock

	encodeNanos atomic.Int64 // time spent in encoders
	decodeNanos atomic.Int64 // time spent in decoders

	canvases []*canvasStats // the main canvas first

	mu      sync.Mutex
	view    View
	tracks  map[*media.Track]*inputTrack
	sources map[*media.Track]*videoSource
	// known is when each video track the output may wait for was first
	// announced or added (see videoAwaited); an entry goes when its
	// track is no longer announced nor added.
	known    map[string]time.Time
	roster   *roster
	history  map[string]*participantHistory // what ended tracks left, for Quality
	selector *SpeakerSelector
	mixer    *Mixer
	video    *videoPath // the passed-through track
	passing  bool       // video is queued for passthrough
	passOut  bool       // … and the output sends it (from its keyframe on)
	composed bool       // the output has sent a composed frame
	out      *Interleaver

	live liveOutput // Run's
}

// inputTrack is the per-track state of one source audio track.
type inputTrack struct {
	track   *media.Track
	audio   *codec.AudioDecoder
	resam   *codec.Resampler
	placed  offsetStats // mix position − capture time of each block
	gaps    uint64      // breaks of over audioGap in the input
	errors  uint64      // packets the decoder refused
	lastEnd time.Duration
	seen    bool
}

// foldInto adds the track's counters to its participant's history.
func (in *inputTrack) foldInto(h *participantHistory) {
	h.audio.merge(in.placed)
	h.audioGaps += in.gaps
	h.decodeErrors += in.errors
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
		cfg: cfg, log: cfg.Logger, clock: mediaClock{now: cfg.Now}, view: cfg.View,
		tracks: map[*media.Track]*inputTrack{}, sources: map[*media.Track]*videoSource{}, known: map[string]time.Time{}, history: map[string]*participantHistory{},
		roster: newRoster(), selector: sel, out: out, canvases: cfg.canvasList(),
	}
	l.video = newVideoPath(cfg, l.log)
	l.live.wake = make(chan struct{}, 1)
	return l, nil
}

// SetView changes what the picture shows from the next frame; the
// encoders and outputs go on.
func (l *Layout) SetView(v View) error {
	if v.Mode == "" {
		v.Mode = ModeSpeaker
	}
	if err := v.Validate(l.cfg.Width, l.cfg.Height); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.view = v
	l.log.Info("layout changed", "layout", v.Mode)
	l.live.poke()
	return nil
}

// View returns the layout shown now.
func (l *Layout) View() View {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.view
}

// keyframeRequestInterval is the least time between two keyframe
// requests of a canvas (RequestKeyframe): an output that reconnects in a
// loop must not make the picture a string of IDRs, nor flood a publisher.
const keyframeRequestInterval = time.Second

// RequestKeyframe asks for a keyframe on the canvas named canvas ("" or
// MainCanvas: the main one) soon, rather than at its next interval: an
// output that starts or reconnects waits for one. A canvas passing a
// camera through asks the camera's publisher (LayoutConfig.RequestKeyframe);
// a composed one makes its next frame an IDR. At most one request per
// keyframeRequestInterval per canvas is taken. Safe from any goroutine
// except one that holds the Layout's lock (a LayoutConfig callback).
func (l *Layout) RequestKeyframe(canvas string) {
	if canvas == "" {
		canvas = MainCanvas
	}
	i := slices.IndexFunc(l.canvases, func(c *canvasStats) bool { return c.cfg.Name == canvas })
	if i < 0 {
		return
	}
	cs := l.canvases[i]
	now, last := time.Now().UnixNano(), cs.keyAsked.Load()
	if now-last < int64(keyframeRequestInterval) || !cs.keyAsked.CompareAndSwap(last, now) {
		return
	}
	if i == 0 {
		l.mu.Lock()
		var passed string
		if l.passOut && l.video.current != nil {
			passed = l.video.current.ID
		}
		l.mu.Unlock()
		if passed != "" {
			l.cfg.RequestKeyframe(passed)
			return
		}
	}
	cs.keyWanted.Store(true)
}

// EncodeTime is the time spent encoding so far.
func (l *Layout) EncodeTime() time.Duration { return time.Duration(l.encodeNanos.Load()) }

// DecodeTime is the time spent decoding the participants' audio and
// video so far.
func (l *Layout) DecodeTime() time.Duration { return time.Duration(l.decodeNanos.Load()) }

// timeEncode adds the time since start to the encode time.
func (l *Layout) timeEncode(start time.Time) { l.encodeNanos.Add(int64(time.Since(start))) }

// TrackAdded registers a source track.
func (l *Layout) TrackAdded(t *media.Track) {
	defer l.live.poke()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch t.Kind {
	case media.KindAudio:
		l.tracks[t] = &inputTrack{track: t}
		l.roster.addAudio(t)
	case media.KindVideo:
		src := newVideoSource(t, l.log, l.cfg.RequestKeyframe, &l.decodeNanos)
		l.sources[t] = src
		if _, ok := l.known[t.ID]; !ok {
			l.known[t.ID] = l.clock.now()
		}
		l.roster.addVideo(src)
	}
}

// TrackRemoved forgets a source track.
func (l *Layout) TrackRemoved(t *media.Track) {
	defer l.live.poke()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roster.remove(t)
	switch t.Kind {
	case media.KindAudio:
		in := l.tracks[t]
		if in == nil {
			return
		}
		delete(l.tracks, t)
		in.foldInto(l.historyOf(l.history, t.ParticipantID, t.ParticipantName))
		in.close()
		if l.mixer != nil {
			l.mixer.Remove(t.ParticipantID)
		}
		l.selector.Remove(t.ParticipantID)
	case media.KindVideo:
		if src := l.sources[t]; src != nil {
			delete(l.sources, t)
			src.foldInto(l.historyOf(l.history, t.ParticipantID, t.ParticipantName))
			src.close()
		}
		delete(l.known, t.ID)
		l.video.removeTrack(t)
	}
}

// Unit takes one source unit. While the live output passes video
// through, Unit also steps it (kick).
func (l *Layout) Unit(u *media.Unit) {
	l.clock.observe(u.PTS, u.Track.Kind == media.KindAudio)
	l.mu.Lock()
	var src *videoSource
	switch u.Track.Kind {
	case media.KindAudio:
		if in := l.tracks[u.Track]; in != nil {
			l.audioUnit(in, u)
		}
	case media.KindVideo:
		src = l.sources[u.Track]
		if !l.passing && u.Key && src != nil {
			l.passFromKeyframe(src)
		}
		if l.passing && l.video.unit(u) {
			l.cfg.RequestKeyframe(u.Track.ID)
		}
	}
	step := l.passingOut()
	l.mu.Unlock()
	if src != nil {
		src.unit(u) // decoding runs outside the layout's lock
	}
	if step {
		l.kick()
	}
}

// muted reports whether a participant is left out of the mix.
func (l *Layout) muted(t *media.Track) bool {
	return slices.Contains(l.cfg.MuteAudio, t.ParticipantID) || slices.Contains(l.cfg.MuteAudio, t.ParticipantName)
}

func (in *inputTrack) close() {
	if in.audio != nil {
		in.audio.Close()
	}
	if in.resam != nil {
		in.resam.Close()
	}
}

// WallOf is the wall-clock time at which the sources captured the media
// of the output's PTS pts (as near as their least delayed unit shows);
// false before any unit came.
func (l *Layout) WallOf(pts time.Duration) (time.Time, bool) { return l.clock.wall(pts) }
