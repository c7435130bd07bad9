package rtmp

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/roomcast/roomcast/pipeline/media"
)

// WriteGroup writes the outputs of one fan-out that keep up together,
// the way nginx-rtmp writes all its subscribers from one event loop: in
// the goroutine that writes the fan-out, as it writes each unit (serve),
// and from a goroutine of its own for what else signals the fan-out (an
// output joining, a reader's end), or when the fan-out's writer found a
// write of the group in progress. An output reading its own goroutine
// costs a wake-up and a park per video frame, and with them the Go
// scheduler's and its monitor's work: in the fan-out bench they were
// most of what an extra output cost beyond the kernel's write.
//
// Only plain TCP outputs join, and only between writes. The group's
// writes never wait: an output whose socket does not take a whole write
// at once goes back to its own goroutine with the rest of that write
// pending (sent before anything else on the connection), and goes on
// from there as any output does, a slow one skipping to the next
// keyframe. An output also leaves when its session ends, its source ends
// or its context is done (then it drains on its own).
type WriteGroup struct {
	writes, handbacks, partial atomic.Uint64 // for tests

	dirty atomic.Bool // a flush is wanted (serve)

	mu      sync.Mutex
	members map[*member]struct{}
	stop    chan struct{} // closes the running goroutine; nil when none runs
}

// NewWriteGroup returns a WriteGroup; give it to the Config of every
// output of one fan-out.
func NewWriteGroup() *WriteGroup {
	return &WriteGroup{members: map[*member]struct{}{}}
}

// inlineSource is a BatchSource that one goroutine can serve for many
// readers: pipeline/fanout's *Reader.
type inlineSource interface {
	BatchSource
	SetInline(on bool)
	SetInlineServer(serve func())
	Inline() <-chan struct{}
	KickInline()
	TryReadBatch(dst []*media.Unit) (n int, end bool)
}

// member is an output while the group writes it. The group owns its
// muxer and batch from join until it is handed back or leaves.
type member struct {
	g    *WriteGroup
	s    *session
	src  inlineSource
	mux  *muxer
	w    *streamBatch
	back chan struct{} // the group handed the output back
}

// join adds m and makes its source signal the group.
func (g *WriteGroup) join(m *member) {
	select {
	case <-m.back: // a hand-back that raced with the last leave
	default:
	}
	g.mu.Lock()
	g.members[m] = struct{}{}
	if g.stop == nil {
		g.stop = make(chan struct{})
		go g.run(m.src.Inline(), g.stop)
		m.src.SetInlineServer(g.serve)
	}
	g.mu.Unlock()
	m.src.SetInline(true)
	m.src.KickInline() // units may have come before the source signalled
}

// unlock releases g.mu, then writes what a serve that found it held
// left for the holder.
func (g *WriteGroup) unlock() {
	g.mu.Unlock()
	if g.dirty.Load() {
		g.serve()
	}
}

// leave removes m, waiting for a write of it in progress, and stops the
// goroutine after the last member.
func (g *WriteGroup) leave(m *member) {
	g.mu.Lock()
	g.removeLocked(m)
	g.unlock()
	m.src.SetInline(false)
}

func (g *WriteGroup) removeLocked(m *member) {
	delete(g.members, m)
	if len(g.members) == 0 && g.stop != nil {
		m.src.SetInlineServer(nil)
		close(g.stop)
		g.stop = nil
	}
}

// run writes the members each time the fan-out signals, until stop.
func (g *WriteGroup) run(ready <-chan struct{}, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ready:
		}
		g.serve()
	}
}

// serve writes every member now, unless another goroutine is writing
// them: that one writes again when it is done, so what the caller came
// for is not left waiting. It never waits for a lock, nor for a socket.
func (g *WriteGroup) serve() {
	g.dirty.Store(true)
	for g.dirty.Load() && g.mu.TryLock() {
		g.dirty.Store(false)
		g.flushLocked()
		g.mu.Unlock()
	}
}

// flushLocked writes every member, handing back those that do not keep
// up. Called with g.mu held.
func (g *WriteGroup) flushLocked() {
	for m := range g.members {
		if !m.flush() {
			g.handbacks.Add(1)
			g.removeLocked(m)
			m.back <- struct{}{}
		}
	}
}

// flush writes what m's source holds, without waiting; false hands m
// back: its socket took only part, its session failed or its source
// ended.
func (m *member) flush() bool {
	units := m.w.begin()
	n, end := m.src.TryReadBatch(units)
	if n == 0 {
		return !end
	}
	for _, u := range units[:n] {
		m.w.add(u, m.mux.messages(u))
	}
	done, err := m.s.trySend(m.w.msgs)
	if err != nil || !done {
		if err == nil {
			m.g.partial.Add(1)
		}
		return false
	}
	m.g.writes.Add(1)
	m.w.observe(m.s.cfg.ObserveLatency)
	return !end // the source's end: the output's own goroutine ends it
}

// inline lets g write the session until it hands it back, ctx is done or
// the session ends; the rest of a write the group left pending goes
// first on the connection's next write.
func (s *session) inline(ctx context.Context, m *member) {
	g := m.g
	g.join(m)
	select {
	case <-m.back:
		m.src.SetInline(false)
	case <-ctx.Done():
		g.leave(m)
	case <-s.ctx.Done():
		g.leave(m)
	}
}
