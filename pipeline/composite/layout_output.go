package composite

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/composite/overlay"
	"github.com/roomcast/roomcast/pipeline/media"
)

// tick is how often the output advances while it composes.
const tick = 10 * time.Millisecond

// encoders are used by one step of the output at a time: in Run, a step
// holds l.live.mu (Run's own goroutine, or an input's in kick); Replay
// steps from its caller's goroutine.
type encoders struct {
	audio *codec.AudioEncoder
	outs  []*canvasOut // the main canvas first, then the renditions

	slotBase time.Duration // PTS of video slot 0
	nextSlot int64
	started  bool
	live     bool          // Run, not Replay: passed-through video leaves as it comes
	latency  time.Duration // live: how far this step's horizon is behind the inputs
}

// canvasOut is one canvas's encoder and picture.
type canvasOut struct {
	stats     *canvasStats
	video     *codec.VideoEncoder
	canvas    *canvas
	lastVideo time.Duration // last video DTS sent, for monotonic output
	dropping  bool          // a unit was dropped: skip to the next keyframe
	wasPass   bool
	made      []madeFrame // frames given to the encoder, not yet out of it
}

// Run produces the encoded stream, handing each unit to sink in DTS
// order, until ctx ends. A composed picture is made on a tick; passed-
// through video leaves as the inputs hand it in (kick), in the goroutine
// that does, and Run's goroutine then steps only when they stop.
func (l *Layout) Run(ctx context.Context, sink func(*media.Unit)) error {
	enc, err := l.newEncoders()
	if err != nil {
		return err
	}
	defer enc.close()
	defer l.closeInputs()
	enc.live = true
	defer l.holdForAudio(enc.audio.Track())()
	failed := l.live.begin(enc, sink)
	defer l.live.end()
	t := time.NewTimer(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-failed:
			return l.live.failure()
		case <-l.live.wake:
			t.Stop()
		case <-t.C:
		}
		t.Reset(l.runStep(time.Now()))
		if l.live.dirty.Load() {
			l.kick() // an input's step that found Run's under way
		}
	}
}

// holdForAudio makes the output's audio track t hold the video back from
// the start: passed-through video leaves as it comes, the first audio a
// latency and the encoder's delay later, and it would be dropped as late.
// The function it returns lets go of t.
func (l *Layout) holdForAudio(t *media.Track) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.out.AddTrack(t)
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.out.RemoveTrack(t)
	}
}

func (l *Layout) newEncoders() (*encoders, error) {
	c := l.cfg
	ae, err := codec.NewAudioEncoder(codec.AudioEncoderConfig{TrackID: "audio", BitrateKbps: c.AudioKbps})
	if err != nil {
		return nil, fmt.Errorf("audio encoder: %w", err)
	}
	enc := &encoders{audio: ae}
	for _, cs := range l.canvases {
		ve, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{
			TrackID: CanvasTrackID(cs.cfg.Name), Width: cs.cfg.Width, Height: cs.cfg.Height, FPS: c.FPS,
			BitrateKbps: cs.cfg.VideoKbps, KeyframeInterval: c.KeyframeInterval,
		})
		if err != nil {
			enc.close()
			return nil, fmt.Errorf("video encoder %s: %w", cs.cfg.Name, err)
		}
		bg, _ := overlay.ParseColor(cs.cfg.Background) // checked by Validate
		enc.outs = append(enc.outs, &canvasOut{stats: cs, video: ve, canvas: newCanvas(cs.cfg.Width, cs.cfg.Height, bg, c.Labels, c.Branding.look(cs.cfg.Width, cs.cfg.Height, c.Width, c.Height, bg))})
	}
	return enc, nil
}

func (e *encoders) close() {
	e.audio.Close()
	for _, o := range e.outs {
		o.video.Close()
		o.canvas.close()
	}
}

// produce emits everything due by horizon.
func (l *Layout) produce(enc *encoders, horizon time.Duration, sink func(*media.Unit)) error {
	if !enc.started {
		base, ok := l.firstSlot(horizon)
		if !ok {
			return nil // nothing is due before Start
		}
		enc.slotBase, enc.started = base, true
	}
	units, err := l.audioOut(enc, horizon)
	if err != nil {
		return err
	}
	vunits, err := l.videoOut(enc, horizon)
	if err != nil {
		return err
	}
	wait := DefaultMaxWait
	if enc.live {
		wait = l.interleaveWait(enc.latency)
	}
	l.mu.Lock()
	l.out.SetMaxWait(wait)
	for _, u := range append(units, vunits...) {
		l.out.Push(u)
	}
	ready := l.out.Pop()
	l.mu.Unlock()
	for _, u := range ready {
		sink(u)
	}
	return nil
}

// firstSlot is the PTS of the live output's first video slot, when
// horizon is the first due; false while the output is not to start yet.
// Without LayoutConfig.Start it is horizon. With it, the output starts
// once horizon reaches Start and no video track it knows is awaited (see
// videoAwaited): at Start, or at the oldest media seen when that came
// later (a job started in an empty room starts when someone publishes,
// not with the wait composed).
func (l *Layout) firstSlot(horizon time.Duration) (time.Duration, bool) {
	start := l.cfg.Start
	if start == nil {
		return horizon, true
	}
	if horizon < *start || l.videoAwaited() {
		return 0, false
	}
	oldest, _ := l.clock.oldestPTS()
	return max(*start, min(horizon, oldest)), true
}

// videoStartWait bounds how long the output's start waits for the first
// unit of a video track since it was announced or added: an ingest holds
// a track's frames until its first sender report, and a WebRTC one adds
// a track only with its first packet, so the audio sent meanwhile would
// make the camera's cached keyframe late, dropped with its GOP.
const videoStartWait = time.Second

// videoAwaited reports whether a video track announced or added less
// than videoStartWait ago has sent no unit yet.
func (l *Layout) videoAwaited() bool {
	now := l.clock.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	waiting := make(map[string]bool, len(l.known))
	for id, at := range l.known {
		waiting[id] = now.Sub(at) < videoStartWait
	}
	for _, src := range l.sources {
		if src.started() {
			waiting[src.track.ID] = false
		}
	}
	for _, w := range waiting {
		if w {
			return true
		}
	}
	return false
}

// TracksAnnounced learns the room's tracks before their first units
// (source.Announcer): the output's start waits for the video ones too.
func (l *Layout) TracksAnnounced(ts []media.Track) {
	defer l.live.poke()
	now := l.clock.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	keep := make(map[string]bool, len(ts))
	for _, t := range ts {
		if t.Kind != media.KindVideo {
			continue
		}
		keep[t.ID] = true
		if _, ok := l.known[t.ID]; !ok {
			l.known[t.ID] = now
		}
	}
	for _, src := range l.sources {
		keep[src.track.ID] = true
	}
	for id := range l.known {
		if !keep[id] {
			delete(l.known, id)
		}
	}
}

// audioOut pulls the mix up to horizon and encodes it.
func (l *Layout) audioOut(enc *encoders, horizon time.Duration) ([]*media.Unit, error) {
	l.mu.Lock()
	var blocks []PCM
	if err := l.ensureMixer(); err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("audio mixer: %w", err)
	}
	if l.mixer != nil {
		blocks = l.mixer.Pull(horizon)
	}
	l.mu.Unlock()
	var out []*media.Unit
	defer l.timeEncode(time.Now())
	for _, b := range blocks {
		us, err := enc.audio.Encode(&codec.AudioFrame{PTS: b.PTS, SampleRate: SampleRate, Channels: Channels, Samples: b.Samples})
		if err != nil {
			return nil, fmt.Errorf("audio encode: %w", err)
		}
		out = append(out, us...)
	}
	return out, nil
}

// videoOut sends passthrough units, or encodes one frame per slot and
// canvas.
func (l *Layout) videoOut(enc *encoders, horizon time.Duration) ([]*media.Unit, error) {
	var out []*media.Unit
	for {
		slot := enc.slotBase + time.Duration(enc.nextSlot)*time.Second/time.Duration(l.cfg.FPS)
		if slot > horizon {
			break
		}
		enc.nextSlot++
		plans := l.plan(slot)
		if !plans[0].pass {
			l.mu.Lock()
			l.composed = true
			l.mu.Unlock()
		}
		for i, o := range enc.outs {
			us, err := l.videoSlot(o, plans[i], slot)
			if err != nil {
				return nil, err
			}
			out = append(out, monotonic(o, us)...)
		}
	}
	// Passed-through video leaves as it comes, not at a slot: the
	// interleaver holds it for the audio, and the audio for it.
	if us := l.passthroughDue(enc.live); len(us) > 0 {
		out = append(out, monotonic(enc.outs[0], us)...)
	}
	return out, nil
}

// passthroughDue takes the queued passed-through units while the output
// sends passed-through video.
func (l *Layout) passthroughDue(live bool) []*media.Unit {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !live || !l.passingOut() {
		return nil
	}
	return l.video.takePassthrough(math.MaxInt64)
}

// videoSlot produces one canvas's video for one output slot: the
// passed-through units due by then, or one composed and encoded frame.
func (l *Layout) videoSlot(o *canvasOut, p slotPlan, slot time.Duration) ([]*media.Unit, error) {
	if p.pass {
		o.wasPass = true
		return p.units, nil
	}
	if o.wasPass && slot <= o.lastVideo {
		return nil, nil // passed-through video, sent as it came, covers the slot
	}
	if o.wasPass {
		o.video.RequestKeyframe() // back from passthrough: start with an IDR
		o.wasPass = false
	}
	if o.stats.keyWanted.Swap(false) {
		o.video.RequestKeyframe() // an output waits for one (Layout.RequestKeyframe)
	}
	pics := l.pictures(p, slot)
	start := time.Now()
	defer l.timeEncode(start)
	redraws := o.canvas.redraws
	frame, err := o.canvas.draw(pics)
	if err != nil {
		return nil, fmt.Errorf("compose %s: %w", o.stats.cfg.Name, err)
	}
	if o.canvas.redraws == redraws {
		o.stats.unchanged.Add(1)
	}
	f := *frame
	f.PTS = slot
	at, path := madeFrom(pics)
	o.made = append(o.made, madeFrame{pts: slot, at: at, path: path})
	us, err := o.video.Encode(&f)
	if err != nil {
		return nil, fmt.Errorf("video encode %s: %w", o.stats.cfg.Name, err)
	}
	o.stamp(us)
	o.stats.frames.Add(1)
	o.stats.encode.add(time.Since(start))
	return us, nil
}

// monotonic drops video units that would not move time forward (a switch
// between passthrough and re-encoding can overlap by a few frames), and
// after a drop skips to the next keyframe so the output stays decodable.
func monotonic(enc *canvasOut, us []*media.Unit) []*media.Unit {
	out := us[:0]
	for _, u := range us {
		late := enc.lastVideo != 0 && u.DTS <= enc.lastVideo
		if late || (enc.dropping && !u.Key) {
			enc.dropping = true
			enc.stats.dropped.Add(1)
			continue
		}
		enc.dropping = false
		enc.lastVideo = u.DTS
		out = append(out, u)
	}
	return out
}

func (l *Layout) closeInputs() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, in := range l.tracks {
		in.close()
	}
	for _, src := range l.sources {
		src.close()
	}
}

// Replay runs the layout offline, as fast as it can, over units already
// recorded: their tracks must have been added (TrackAdded), units are
// in PTS order. It produces the output from PTS from (its first video
// frame a keyframe) to PTS until, handing it to sink in DTS order; input
// before from only primes the decoders and the mix. The live clock is
// not used: each unit's PTS drives the output.
func (l *Layout) Replay(ctx context.Context, units []*media.Unit, from, until time.Duration, sink func(*media.Unit)) error {
	enc, err := l.newEncoders()
	if err != nil {
		return err
	}
	defer enc.close()
	defer l.closeInputs()
	l.plan(from) // decide what is shown, so decoding starts at the first keyframe
	enc.slotBase, enc.started = from, true
	keep := func(u *media.Unit) {
		if u.PTS >= from && u.PTS < until {
			sink(u)
		}
	}
	for _, u := range units {
		if err := ctx.Err(); err != nil {
			return err
		}
		if u.PTS >= until+l.cfg.Latency {
			break
		}
		l.Unit(u)
		if h := min(u.PTS-l.cfg.Latency, until); h >= from {
			if err := l.produce(enc, h, keep); err != nil {
				return err
			}
		}
	}
	if err := l.produce(enc, until, keep); err != nil {
		return err
	}
	l.mu.Lock()
	rest := l.out.Flush()
	l.mu.Unlock()
	for _, u := range rest {
		keep(u)
	}
	return nil
}
