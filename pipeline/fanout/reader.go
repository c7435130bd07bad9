package fanout

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// ErrClosed is returned by Read after the reader was closed.
var ErrClosed = errors.New("fanout: reader closed")

// Reader is one reader of a Fanout with its own bounded ring. It is meant
// to be drained by one goroutine; its other methods are safe from any.
type Reader struct {
	f    *Fanout
	name string
	wake chan struct{} // a unit arrived while Read waited
	done chan struct{} // closed when the reader is closed or the fanout ends

	mu       sync.Mutex
	ring     ring
	view     []*media.Track // the tracks at the read position; immutable
	waiting  bool           // Read waits on wake
	syncing  bool           // skipping units up to the next sync point
	dropping bool           // syncing because the ring overflowed
	ended    bool           // the fanout closed: drain, then io.EOF
	closed   bool           // Reader.Close: ErrClosed
	lastLog  time.Time      // of the last drop log
	coalesce bool           // CoalesceAudio
	inline   bool           // SetInline: Write signals the fanout's Inline channel, not Read
	held     int            // audio units pushed since the last wake-up decision
	stats    ReaderStats    // without Buffered
	// trimAudio skips the audio units older than startDTS, the video
	// keyframe the reader started at: audio the writer sends after it
	// but from before it (a room's cached audio reaches a new job's
	// output after the cached keyframe) would open the output with sound
	// over no picture. It ends at the first audio unit kept.
	trimAudio bool
	startDTS  time.Duration
}

// offer hands u to the reader; the writer calls it. start tells whether a
// reader may start at u; tracks are the fanout's tracks, u.Track included.
// It reports whether the reader is inline and has a unit to read: the
// writer then signals the fanout's Inline channel once, after offering u
// to every reader, so that the inline readers' server wakes once per unit
// and finds it in every ring.
func (r *Reader) offer(u *media.Unit, start bool, tracks []*media.Track) (inlineReady bool) {
	r.mu.Lock()
	dropping := r.dropping
	wake, logNow := r.offerLocked(u, start, tracks)
	inline := r.inline
	overflowed := r.dropping && !dropping
	r.mu.Unlock()
	if overflowed {
		r.f.askKeyframe(tracks)
	}
	if wake && !inline {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	if logNow {
		r.f.logDrop(r.name, r.Stats())
	}
	return wake && inline
}

// offerLocked pushes, skips or drops u. It reports whether Read waits for
// a wake-up and whether a drop log is due.
func (r *Reader) offerLocked(u *media.Unit, start bool, tracks []*media.Track) (wake, logNow bool) {
	if r.ended || r.closed {
		return false, false
	}
	if !r.syncing && r.ring.full() {
		r.syncing, r.dropping = true, true
		r.stats.DropEvents++
		logNow = r.logDue()
	}
	if r.syncing {
		if !start {
			r.countPassed(1)
			return false, logNow
		}
		r.countPassed(r.ring.clear())
		r.syncing, r.dropping = false, false
		r.view = tracks
		r.trimAudio, r.startDTS = u.Track.Kind == media.KindVideo, u.DTS
	}
	if r.trimAudio && u.Track.Kind == media.KindAudio {
		if u.PTS < r.startDTS {
			r.countPassed(1)
			return false, logNow
		}
		r.trimAudio = false
	}
	r.ring.push(u)
	if r.coalesce && r.f.hasVideo && u.Track.Kind != media.KindVideo {
		if r.held++; r.held < coalesceAudio {
			return false, logNow // a waiting Read goes on waiting
		}
	}
	r.held = 0
	if r.inline {
		return true, logNow // for the fanout's Inline channel
	}
	wake, r.waiting = r.waiting, false
	return wake, logNow
}

// coalesceAudio is how many audio units in a row a CoalesceAudio reader
// lets pile up before a waiting Read wakes: about 43 ms of AAC at 48 kHz.
const coalesceAudio = 3

// CoalesceAudio makes a waiting Read of a stream with video wake for a
// video unit, or for the coalesceAudio-th audio unit in a row, rather
// than for every unit: an output then writes the audio frames that came
// since the last video frame together with it, in one write (at 30 fps
// with AAC, 30 writes a second instead of 77). Audio leaves up to
// (coalesceAudio-1) frames later; video as before. The writer calls
// nothing more for it.
func (r *Reader) CoalesceAudio() {
	r.mu.Lock()
	r.coalesce = true
	r.mu.Unlock()
}

// countPassed counts n units that were not delivered while syncing.
func (r *Reader) countPassed(n int) {
	if r.dropping {
		r.stats.Dropped += uint64(n)
	} else {
		r.stats.Skipped += uint64(n)
	}
}

// logDue reports whether a drop log is due, and if so starts a new interval.
func (r *Reader) logDue() bool {
	now := r.f.now()
	if !r.lastLog.IsZero() && now.Sub(r.lastLog) < dropLogInterval {
		return false
	}
	r.lastLog = now
	return true
}

// Read returns the next unit. It blocks until a unit is available, ctx is
// done (ctx.Err()), the reader is closed (ErrClosed) or the fanout was
// closed and the buffered units were all read (io.EOF).
//
// A unit whose Track differs from the previous unit of its kind carries a
// new codec configuration: send sequence headers again.
func (r *Reader) Read(ctx context.Context) (*media.Unit, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		u, err := r.next()
		if u != nil || err != nil {
			return u, err
		}
		select {
		case <-r.wake:
		case <-r.done:
		case <-ctx.Done():
		}
	}
}

// ReadBatch is Read for many units: it blocks like Read for the first,
// then fills dst with the units the ring holds without waiting, and
// returns how many it filled (at least one when err is nil). An output
// writes what piled up while it wrote in one go.
func (r *Reader) ReadBatch(ctx context.Context, dst []*media.Unit) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	u, err := r.Read(ctx)
	if err != nil {
		return 0, err
	}
	dst[0] = u
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 1
	for ; n < len(dst) && !r.closed; n++ {
		u, ok := r.popLocked()
		if !ok {
			break
		}
		dst[n] = u
	}
	return n, nil
}

// popLocked takes the oldest unit and moves the view to it.
func (r *Reader) popLocked() (*media.Unit, bool) {
	u, ok := r.ring.pop()
	if !ok {
		return nil, false
	}
	r.stats.Delivered++
	if v, changed := withTrack(r.view, u.Track); changed {
		r.view = v
	}
	return u, true
}

// next pops a unit; with none, it returns the reader's end or marks the
// reader as waiting.
func (r *Reader) next() (*media.Unit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if u, ok := r.popLocked(); ok {
		return u, nil
	}
	if r.ended {
		return nil, io.EOF
	}
	r.waiting = true
	return nil, nil
}

// Tracks returns the tracks at the reader's position with their codec
// configuration: after Read returned a unit, the tracks of the units read
// so far; before, the fanout's tracks when the reader started or was
// reset. Use them for the sequence headers of a new connection.
func (r *Reader) Tracks() []*media.Track {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.view)
}

// Reset discards the buffered units (counted as Skipped) and makes the
// reader skip to the next keyframe, with the fanout's current tracks. An
// output calls it after a reconnect, then sends Tracks as sequence headers;
// as always, a unit read later with another Track pointer replaces them.
func (r *Reader) Reset() {
	tracks := *r.f.tracks.Load()
	r.mu.Lock()
	r.stats.Skipped += uint64(r.ring.clear())
	r.syncing, r.dropping = true, false
	r.view = tracks
	r.mu.Unlock()
	r.f.askKeyframe(tracks)
}

// SetInline switches the reader between two ways of being read. Off (the
// default), Write wakes a waiting Read. On, Write wakes nothing of the
// reader's own: it signals the fanout's Inline channel instead, for one
// goroutine that serves many inline readers with TryReadBatch (the RTMP
// outputs of a job, written by one goroutine while they keep up). The
// units, the ring, its drops up to the next keyframe and CoalesceAudio
// are the same either way.
func (r *Reader) SetInline(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inline, r.held = on, 0
}

// Inline is the fanout's channel that Write signals (one pending signal
// at most) when an inline reader got a unit to read, and that a reader's
// end signals too.
func (r *Reader) Inline() <-chan struct{} { return r.f.inline }

// SetInlineServer makes Write call serve, in the writer's goroutine,
// where it would signal the Inline channel; nil goes back to the signal.
// serve must never wait (TryReadBatch and writes that do not block, a
// lock taken with TryLock): the goroutine that serves the inline readers
// is then woken only by what else signals the channel, rather than once
// per unit.
func (r *Reader) SetInlineServer(serve func()) {
	if serve == nil {
		r.f.server.Store(nil)
		return
	}
	r.f.server.Store(&serve)
}

// KickInline signals the fanout's Inline channel, as Write does.
func (r *Reader) KickInline() { r.f.signalInline() }

// TryReadBatch fills dst with the units the ring holds, without waiting,
// and returns how many; end reports that nothing more will come: the
// reader is closed, or its fanout ended and the ring is now empty (Read
// then returns its error).
func (r *Reader) TryReadBatch(dst []*media.Unit) (n int, end bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, true
	}
	for ; n < len(dst); n++ {
		u, ok := r.popLocked()
		if !ok {
			break
		}
		dst[n] = u
	}
	return n, r.ended && r.ring.len() == 0
}

// Shared is the fanout's Shared: a value every reader of the fanout gets.
func (r *Reader) Shared(key any, mk func() any) any { return r.f.Shared(key, mk) }

// Stats returns the reader's counters.
func (r *Reader) Stats() ReaderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Buffered = r.ring.len()
	return s
}

// Close detaches the reader and discards its buffered units. A pending
// and every later Read returns ErrClosed. Close is idempotent.
func (r *Reader) Close() {
	r.f.detach(r)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finishLocked()
	r.closed = true
	r.ring.clear()
}

// end marks the end of the stream: Read drains the ring, then returns
// io.EOF.
func (r *Reader) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finishLocked()
	r.ended = true
}

// finishLocked wakes Read for good, once, and an inline reader's server.
func (r *Reader) finishLocked() {
	if !r.ended && !r.closed {
		close(r.done)
		if r.inline {
			r.f.signalInline()
		}
	}
}
