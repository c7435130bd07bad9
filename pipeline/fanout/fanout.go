package fanout

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// DefaultBuffer is the ring size of a reader, in units, when
// Options.Buffer is not set: about 8 s of 30 fps video with its audio.
const DefaultBuffer = 512

// dropLogInterval is the least time between two drop logs of one reader.
const dropLogInterval = 5 * time.Second

// Options configures a Fanout.
type Options struct {
	// Buffer is the ring size of each reader, in units (DefaultBuffer if
	// not positive).
	Buffer int
	// Tracks are the tracks of the stream, when known before the first
	// unit. They let readers send sequence headers early and tell a stream
	// with video (readers start at a video keyframe) from one without
	// (readers start at once). Otherwise the fanout learns tracks from the
	// units written.
	Tracks []*media.Track
	// Video says the stream has video even before its first video unit:
	// readers then start at a video keyframe from the first unit on,
	// rather than at the first audio unit of a stream that looks
	// audio-only so far (a job's output starts with picture and sound
	// together).
	Video bool
	// Logger receives the drop logs (discarded if nil).
	Logger *slog.Logger
	// NeedKeyframe, when set, is called whenever a reader of a stream
	// with video starts waiting for a keyframe: a new reader, a Reset (an
	// output that reconnected) and a reader whose ring overflowed. The
	// source should then send one soon rather than at its next interval
	// (a camera may send them only when asked). It is called from Write,
	// NewReader and Reset, with no lock of the fanout held, and must not
	// block or call back into the fanout.
	NeedKeyframe func()
}

// Fanout hands one writer's units to many readers.
//
// Write is called from one goroutine; NewReader, Close and the Reader
// methods from any.
type Fanout struct {
	size    int
	log     *slog.Logger
	now     func() time.Time // the clock of drop logs
	needKey func()           // Options.NeedKeyframe, or a no-op

	tracks  atomic.Pointer[[]*media.Track] // immutable; replaced on change
	readers atomic.Pointer[[]*Reader]      // immutable; replaced under mu
	closed  atomic.Bool                    // set under mu

	mu     sync.Mutex             // serializes changes to readers and closed, and shared
	shared map[any]any            // see Shared
	inline chan struct{}          // see Reader.Inline
	server atomic.Pointer[func()] // see Reader.SetInlineServer

	// Owned by the writer.
	hasVideo bool
}

// New returns a Fanout without readers.
func New(o Options) *Fanout {
	f := &Fanout{size: o.Buffer, log: o.Logger, now: time.Now, inline: make(chan struct{}, 1), needKey: o.NeedKeyframe}
	if f.needKey == nil {
		f.needKey = func() {}
	}
	if f.size <= 0 {
		f.size = DefaultBuffer
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	var ts []*media.Track
	for _, t := range o.Tracks {
		if t != nil {
			ts, _ = withTrack(ts, t)
		}
	}
	f.tracks.Store(&ts)
	f.hasVideo = o.Video || hasKind(ts, media.KindVideo)
	f.readers.Store(new([]*Reader))
	return f
}

// Write hands u to every reader. It never waits for a reader: a reader
// whose ring is full drops units up to the next keyframe (see the package
// documentation). Readers share u, so it must not be modified after Write.
// Write ignores nil units, units without a Track and units written after
// Close.
func (f *Fanout) Write(u *media.Unit) {
	if u == nil || u.Track == nil || f.closed.Load() {
		return
	}
	tracks := f.observe(u.Track)
	start := u.Key && (u.Track.Kind == media.KindVideo || !f.hasVideo)
	inline := false
	for _, r := range *f.readers.Load() {
		inline = r.offer(u, start, tracks) || inline
	}
	if !inline {
		return
	}
	if serve := f.server.Load(); serve != nil {
		(*serve)()
		return
	}
	f.signalInline()
}

// observe makes t the current track of its kind and returns the current
// tracks.
func (f *Fanout) observe(t *media.Track) []*media.Track {
	cur := *f.tracks.Load()
	next, changed := withTrack(cur, t)
	if !changed {
		return cur
	}
	p := new([]*media.Track) // the only allocation, on a change
	*p = next
	f.tracks.Store(p)
	f.hasVideo = f.hasVideo || t.Kind == media.KindVideo
	return next
}

// NewReader attaches a reader named name (the name appears in logs). The
// reader starts at the next keyframe; until then Tracks returns the
// current tracks. A reader attached after Close is already at its end.
func (f *Fanout) NewReader(name string) *Reader {
	r := &Reader{
		f:       f,
		name:    name,
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		ring:    newRing(f.size),
		view:    *f.tracks.Load(),
		syncing: true,
	}
	f.mu.Lock()
	if f.closed.Load() {
		f.mu.Unlock()
		r.end()
		return r
	}
	rs := append(slices.Clone(*f.readers.Load()), r)
	f.readers.Store(&rs)
	f.mu.Unlock()
	f.askKeyframe(r.view)
	return r
}

// askKeyframe calls NeedKeyframe when the stream has video: a reader
// without video starts at once.
func (f *Fanout) askKeyframe(tracks []*media.Track) {
	if hasKind(tracks, media.KindVideo) {
		f.needKey()
	}
}

// Shared returns the value the fanout's readers share under key, made by
// mk on the first call with that key: work done once per unit for all of
// them, such as the RTMP outputs' serialised chunks (egress/rtmp
// SharedChunks). key must be comparable; use an unexported type, as with
// context values.
func (f *Fanout) Shared(key any, mk func() any) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.shared[key]; ok {
		return v
	}
	if f.shared == nil {
		f.shared = make(map[any]any)
	}
	v := mk()
	f.shared[key] = v
	return v
}

// signalInline tells the inline readers' server that there is work.
func (f *Fanout) signalInline() {
	select {
	case f.inline <- struct{}{}:
	default:
	}
}

// detach removes r from the readers. It is a no-op if r is not attached.
func (f *Fanout) detach(r *Reader) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := *f.readers.Load()
	i := slices.Index(cur, r)
	if i < 0 {
		return
	}
	rs := slices.Delete(slices.Clone(cur), i, i+1)
	f.readers.Store(&rs)
}

// Close ends the stream: every reader returns its buffered units, then
// io.EOF. Later Writes are ignored. Close is idempotent.
func (f *Fanout) Close() {
	f.mu.Lock()
	if f.closed.Load() {
		f.mu.Unlock()
		return
	}
	f.closed.Store(true)
	rs := *f.readers.Load()
	f.readers.Store(new([]*Reader))
	f.mu.Unlock()
	for _, r := range rs {
		r.end()
	}
}

// logDrop logs that a reader fell behind.
func (f *Fanout) logDrop(name string, s ReaderStats) {
	f.log.Warn("fanout reader fell behind; dropping until the next keyframe",
		"reader", name, "drop_events", s.DropEvents, "dropped", s.Dropped,
		"buffer", f.size)
}
