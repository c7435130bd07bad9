package synth

import (
	"context"
	"log/slog"
	"time"

	"github.com/pion/webrtc/v3/pkg/media"
)

// unit is the next sample of a looped clip: its payload, its duration in
// RTP clock ticks and whether it is a keyframe.
type unit struct {
	data  []byte
	ticks uint32
	key   bool
}

// pacer writes the units of one track on an absolute schedule: a unit is
// written when the wall clock since start reaches the sum of the durations
// before it, so neither timer lateness nor the loop wrap-around drifts.
type pacer struct {
	kind    string
	clock   uint32        // RTP clock rate
	lead    time.Duration // the first unit is due this long after start
	next    func() unit   // nil: nothing to send
	write   func(media.Sample) error
	written func(unit)
	log     *slog.Logger
}

// run writes the units due before end (zero: no end) until ctx is done.
// Bounding by the schedule rather than by a timer makes the count exact:
// a stalled process catches up to end and stops there. Write errors are
// logged, not fatal: the connection state decides whether the session is
// over.
func (p pacer) run(ctx context.Context, start, end time.Time) {
	if p.next == nil {
		return
	}
	start = start.Add(p.lead)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var elapsed uint64 // ticks already written
	var failures int
	for {
		due := start.Add(ticksToDuration(elapsed, p.clock))
		if !end.IsZero() && !due.Before(end) {
			return
		}
		if !sleepUntil(ctx, timer, due) {
			return
		}
		u := p.next()
		if err := p.write(media.Sample{Data: u.data, Duration: sampleDuration(u.ticks, p.clock)}); err != nil {
			failures++
			if failures == 1 || failures%500 == 0 {
				p.log.Warn("write sample", "track", p.kind, "failures", failures, "err", err)
			}
		} else {
			p.written(u)
		}
		elapsed += uint64(u.ticks)
	}
}

// sleepUntil waits for the deadline; false when ctx ended first.
func sleepUntil(ctx context.Context, timer *time.Timer, deadline time.Time) bool {
	if ctx.Err() != nil {
		return false
	}
	d := time.Until(deadline)
	if d <= 0 {
		return true
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ticksToDuration converts RTP clock ticks to wall time without overflow.
func ticksToDuration(ticks uint64, clock uint32) time.Duration {
	c := uint64(clock)
	return time.Duration(ticks/c)*time.Second + time.Duration(ticks%c*uint64(time.Second)/c)
}

// sampleDuration is the Sample.Duration that makes pion advance the RTP
// timestamp by exactly ticks: pion truncates Duration.Seconds()*clock, so
// round up by a nanosecond to stay clear of a float result just below.
func sampleDuration(ticks, clock uint32) time.Duration {
	return time.Duration(uint64(ticks)*uint64(time.Second)/uint64(clock)) + time.Nanosecond
}
