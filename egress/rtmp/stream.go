package rtmp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// errDrained ends the source read when the drain after ctx timed out.
var errDrained = errors.New("drain timed out")

// stream sends units until the source ends, ctx is done (then at the next
// GOP boundary, within DrainTimeout) or the session fails; nil is a clean
// end.
func (s *session) stream(ctx context.Context, src Source, tsOffset uint32) error {
	readCtx, cancelRead := context.WithCancelCause(s.ctx)
	defer cancelRead(nil)
	draining, stopDrain := s.drainAfter(ctx, cancelRead)
	defer stopDrain()
	stopWatch := s.watchStall()
	defer stopWatch()
	m := newMuxer(src.Tracks(), s.streamID.Load(), s.cfg.Chunks, s.dropped)
	m.tsOffset = tsOffset
	w := newStreamBatch()
	group := s.groupMember(src, m, w)
	for {
		if group != nil && ctx.Err() == nil {
			s.inline(ctx, group)
			if err := s.send(); err != nil { // what the group left pending
				return err
			}
		}
		units, err := w.read(readCtx, src)
		if err != nil {
			return s.sourceError(readCtx, err)
		}
		s.pendingSince.CompareAndSwap(0, time.Now().UnixNano())
		stop := false
		for _, u := range units {
			if draining() && m.boundary(u) {
				stop = true
				break
			}
			w.add(u, m.messages(u))
		}
		if err := s.send(w.msgs...); err != nil {
			return err
		}
		s.pendingSince.Store(0)
		w.observe(s.cfg.ObserveLatency)
		if stop {
			return nil
		}
	}
}

// groupMember returns the session as a member of its WriteGroup, nil
// when it has none, is not plain TCP or src cannot be served inline.
func (s *session) groupMember(src Source, m *muxer, w *streamBatch) *member {
	is, ok := src.(inlineSource)
	if s.cfg.Group == nil || s.tw == nil || !ok {
		return nil
	}
	return &member{g: s.cfg.Group, s: s, src: is, mux: m, w: w, back: make(chan struct{}, 1)}
}

func (s *session) dropped(reason string) {
	if s.stats.dropped.Add(1) == 1 {
		s.log.Debug("rtmp: dropping units", "target", s.t, "reason", reason)
	}
}

func (s *session) sourceError(readCtx context.Context, err error) error {
	switch {
	case s.err() != nil:
		return s.err()
	case errors.Is(context.Cause(readCtx), errDrained), errors.Is(err, io.EOF):
		return nil
	}
	return fmt.Errorf("read source: %w", err)
}

// drainAfter starts the drain once ctx is done: draining reports true from
// then on, and the source read is cancelled after DrainTimeout.
func (s *session) drainAfter(ctx context.Context, cancelRead context.CancelCauseFunc) (draining func() bool, stop func()) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(max(s.cfg.DrainTimeout, 0))
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cancelRead(errDrained)
		}
	})
	draining = func() bool { return ctx.Err() != nil }
	return draining, func() { close(done); wg.Wait() }
}

// watchStall fails the session with ErrStall when a unit has waited
// StallTimeout without the bytes written growing.
func (s *session) watchStall() (stop func()) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		tick := time.NewTicker(max(s.cfg.StallTimeout/4, 10*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-s.ctx.Done():
				return
			case now := <-tick.C:
				if p := s.pendingSince.Load(); p != 0 && now.Sub(time.Unix(0, p)) >= s.cfg.StallTimeout {
					s.fail(fmt.Errorf("%w: no bytes written for %s while units were waiting", ErrStall, s.cfg.StallTimeout))
					return
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// unpublish ends the stream politely: FCUnpublish, then deleteStream.
func (s *session) unpublish() error {
	return s.send(
		message{csid: csidCommand, typ: msgCommandAMF0, payload: amfEncode(nil, "FCUnpublish", 0, nil, s.t.key)},
		message{csid: csidCommand, typ: msgCommandAMF0, payload: amfEncode(nil, "deleteStream", 0, nil, int(s.streamID.Load()))},
	)
}
