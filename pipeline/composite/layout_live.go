package composite

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// passIdle is how long Run's own goroutine waits between two steps of
// the output while it passes video through. The inputs step it then, as
// their units come (Unit): a goroutine woken 100 times a second costs a
// passthrough job more than all its own work. Run's step only covers
// inputs that all stop; a change of what the output shows wakes Run at
// once (poke).
const passIdle = 250 * time.Millisecond

// liveOutput is the output of Run, stepped by Run's goroutine and, while
// the output passes video through, by the goroutines that hand in units.
// mu is held for a step: the encoders, the interleaver's output and the
// sink are used by one step at a time.
type liveOutput struct {
	mu     sync.Mutex
	enc    *encoders         // nil when Run is not running
	sink   func(*media.Unit) // Run's
	last   time.Time         // when the output last stepped
	err    error             // the first step that failed
	failed chan struct{}     // closed with err set
	wake   chan struct{}     // 1-buffered: Run steps now (poke); made by NewLayout
	idle   time.Duration     // passIdle; tests set it longer

	dirty atomic.Bool // a step is wanted: units came while one ran
}

// begin makes the live output steppable; the channel it returns is
// closed when a step fails (see failure).
func (o *liveOutput) begin(enc *encoders, sink func(*media.Unit)) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.enc, o.sink, o.err, o.failed = enc, sink, nil, make(chan struct{})
	if o.idle == 0 {
		o.idle = passIdle
	}
	return o.failed
}

// poke makes Run step now rather than after passIdle: the tracks or the
// view changed, or a step found the output composing again. It never
// blocks.
func (o *liveOutput) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// end stops the input goroutines from stepping the output; after it
// returns, no step runs.
func (o *liveOutput) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.enc, o.sink = nil, nil
}

// failure is the error of the step that failed.
func (o *liveOutput) failure() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// kick steps the live output from an input goroutine, unless another
// goroutine is stepping it: that one steps again when it is done, so
// the unit this goroutine just handed in is not left waiting. It never
// blocks on a step of another goroutine.
func (l *Layout) kick() {
	o := &l.live
	o.dirty.Store(true)
	for o.dirty.Load() && o.mu.TryLock() {
		o.dirty.Store(false)
		if o.enc != nil && o.err == nil {
			l.stepLocked(time.Now())
		}
		o.mu.Unlock()
	}
	if !l.steppedByInputs() {
		o.poke() // the output composes again: Run's tick takes over
	}
}

// runStep is Run's own step, begun at now: it produces everything due
// unless the inputs stepped the output lately while passing through; it
// returns how long Run waits before its next step.
func (l *Layout) runStep(now time.Time) time.Duration {
	o := &l.live
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.enc == nil || o.err != nil {
		return tick // Run returns on the failure
	}
	if l.steppedByInputs() {
		if since := now.Sub(o.last); since < o.idle {
			return o.idle - since
		}
	}
	o.dirty.Store(false)
	l.stepLocked(now)
	if l.steppedByInputs() {
		return o.idle
	}
	// The next step a tick after this one began, as a ticker would: a
	// step that encodes frames takes a good part of a tick.
	return max(tick-time.Since(now), 0)
}

// steppedByInputs reports whether the inputs step the output: while it
// sends passed-through video and nothing else needs the tick of a
// composed frame.
func (l *Layout) steppedByInputs() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.passingOut()
}

// stepLocked produces everything due by now. Called with l.live.mu held.
func (l *Layout) stepLocked(now time.Time) {
	o := &l.live
	o.last = now
	horizon, ok := l.clock.pts()
	if !ok {
		return
	}
	o.enc.latency = l.latency()
	if err := l.produce(o.enc, horizon-o.enc.latency, o.sink); err != nil {
		o.err = err
		close(o.failed)
	}
}
