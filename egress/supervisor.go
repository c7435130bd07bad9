package egress

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Runnable is one output bound to its input: Run returns when ctx ends
// (nil) or on failure; Connected reports whether it is delivering now.
type Runnable interface {
	Run(ctx context.Context) error
	Connected() bool
}

// SupervisorOptions tune retries. By default an output retries for as
// long as the job runs; only a Permanent error, MaxFailures or MaxRetry
// end it as failed.
type SupervisorOptions struct {
	Backoff Backoff
	// MaxFailures, when > 0, is how many attempts in a row may fail
	// without going live before the output is failed for good; 0 retries
	// while the job runs.
	MaxFailures int
	// MaxRetry, when > 0, is how long the output may stay down (since it
	// last went live, or since it started) before it is failed for good.
	MaxRetry time.Duration
	// Permanent reports errors that retrying cannot fix, such as the
	// server's rejection of a stream key.
	Permanent func(error) bool
	// OnChange is called (from the supervisor's goroutine) after every
	// state change, for webhooks and job status.
	OnChange func(Status)
	Logger   *slog.Logger
	// Probe, when set, checks cheaply whether the output's server takes
	// connections (a TCP dial). While the output waits out a backoff
	// longer than ProbeEvery, it probes every ProbeEvery, and a server
	// that refused and now accepts ends the wait at once: a platform
	// back from an outage gets its stream within seconds, whatever the
	// backoff has grown to, while a server that accepts and then fails
	// the stream is still retried at the backoff's pace.
	Probe      func(ctx context.Context) error
	ProbeEvery time.Duration // default 2 s
	// Now and After are the clock (tests inject a fake one).
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// Status is a snapshot of a supervised output.
type Status struct {
	State      State
	Reconnects int
	Error      string // last error; empty when none
	// DownSince is when the output last stopped delivering (or started,
	// if it never went live); set while reconnecting and once failed.
	DownSince time.Time
	// NextRetryAt is when the next attempt starts (or the current one
	// started); set while reconnecting.
	NextRetryAt time.Time
}

// Supervisor runs one output, restarting it with backoff while the job
// lives, until it stops or fails for good.
type Supervisor struct {
	out  Runnable
	opts SupervisorOptions
	log  *slog.Logger

	mu         sync.Mutex
	state      State
	reconnects int
	lastErr    error
	downSince  time.Time
	nextRetry  time.Time
}

// NewSupervisor supervises out.
func NewSupervisor(out Runnable, o SupervisorOptions) *Supervisor {
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff
	}
	if o.Permanent == nil {
		o.Permanent = func(error) bool { return false }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = 2 * time.Second
	}
	if o.After == nil {
		o.After = time.After
	}
	return &Supervisor{out: out, opts: o, log: o.Logger, state: StateConnecting}
}

// Status reports the current state.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked()
}

// Run supervises until ctx ends (stopped, nil) or the output fails for
// good (failed, the error).
func (s *Supervisor) Run(ctx context.Context) error {
	r := retries{opts: &s.opts, downSince: s.opts.Now()}
	for {
		wentLive, err := s.runOnce(ctx)
		if ctx.Err() != nil {
			s.set(StateStopped, nil)
			return nil
		}
		if err == nil {
			err = errors.New("output ended unexpectedly")
		}
		now := s.opts.Now()
		r.ended(wentLive, now)
		if end := r.giveUp(err, now); end != nil {
			s.set(StateFailed, end)
			s.log.Warn("output failed", "err", end)
			return end
		}
		delay := r.pause(now)
		s.retry(err, r.downSince, now.Add(delay))
		if !s.wait(ctx, delay) {
			s.set(StateStopped, nil)
			return nil
		}
	}
}

// wait waits out delay, or less when the server comes back (see
// Probe); false when ctx ended.
func (s *Supervisor) wait(ctx context.Context, delay time.Duration) bool {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	back := s.watchServer(wctx, delay)
	select {
	case <-ctx.Done():
		return false
	case <-s.opts.After(delay):
	case <-back:
		s.log.Info("the server takes connections again: reconnecting now")
	}
	return true
}

// watchServer probes the server during a wait of delay and closes the
// channel it returns once a refusing server accepts; nil without a probe
// or for a short wait.
func (s *Supervisor) watchServer(ctx context.Context, delay time.Duration) <-chan struct{} {
	every := s.opts.ProbeEvery
	if s.opts.Probe == nil || delay <= every {
		return nil
	}
	back := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		refused := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			pctx, cancel := context.WithTimeout(ctx, every)
			err := s.opts.Probe(pctx)
			cancel()
			switch {
			case err != nil:
				refused = true
			case refused:
				close(back)
				return
			}
		}
	}()
	return back
}

// runOnce runs the output once and reports whether it went live.
func (s *Supervisor) runOnce(ctx context.Context) (bool, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	live := make(chan struct{})
	go s.watchLive(runCtx, live)
	err := s.out.Run(runCtx)
	cancel()
	<-live
	return s.sawLive(), err
}

// watchLive marks the output live (once) when it connects, so OnChange
// fires for connecting → live and reconnecting → live. It polls only
// until then: a run that went live stays live until it ends, and polling
// on would wake the process 20 times a second per output, for nothing.
func (s *Supervisor) watchLive(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.out.Connected() {
				s.setLive()
				return
			}
		}
	}
}

func (s *Supervisor) setLive() {
	s.mu.Lock()
	changed := false
	if s.state != StateLive && s.state != StateStopped {
		s.state, changed = StateLive, true
		s.downSince, s.nextRetry = time.Time{}, time.Time{}
	}
	st := s.statusLocked()
	s.mu.Unlock()
	if changed && s.opts.OnChange != nil {
		s.opts.OnChange(st)
	}
}

func (s *Supervisor) sawLive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == StateLive
}

// retry reports the output reconnecting: down since downSince, trying
// again at next.
func (s *Supervisor) retry(err error, downSince, next time.Time) {
	s.mu.Lock()
	s.reconnects++
	s.downSince, s.nextRetry = downSince, next
	s.mu.Unlock()
	s.log.Info("output will reconnect", "err", err, "next_retry_at", next, "down_since", downSince)
	s.set(StateReconnecting, err)
}

func (s *Supervisor) set(state State, err error) {
	s.mu.Lock()
	s.state = state
	if err != nil {
		s.lastErr = err
	}
	st := s.statusLocked()
	s.mu.Unlock()
	if s.opts.OnChange != nil {
		s.opts.OnChange(st)
	}
}

func (s *Supervisor) statusLocked() Status {
	st := Status{State: s.state, Reconnects: s.reconnects}
	if s.lastErr != nil {
		st.Error = s.lastErr.Error()
	}
	switch s.state {
	case StateReconnecting:
		st.DownSince, st.NextRetryAt = s.downSince, s.nextRetry
	case StateFailed:
		st.DownSince = s.downSince
	}
	return st
}
