package egress

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrGaveUp wraps the last error of an output that failed to connect
// MaxFailures times in a row without ever going live in between.
var ErrGaveUp = errors.New("gave up after repeated failures")

// Runnable is one output bound to its input: Run returns when ctx ends
// (nil) or on failure; Connected reports whether it is delivering now.
type Runnable interface {
	Run(ctx context.Context) error
	Connected() bool
}

// SupervisorOptions tune retries.
type SupervisorOptions struct {
	Backoff Backoff
	// MaxFailures is how many attempts in a row may fail without going
	// live before the output is failed for good (default 5).
	MaxFailures int
	// Permanent reports errors that retrying cannot fix, such as the
	// server's rejection of a stream key.
	Permanent func(error) bool
	// OnChange is called (from the supervisor's goroutine) after every
	// state change, for webhooks and job status.
	OnChange func(Status)
	Logger   *slog.Logger
	// After is the clock's timer (tests inject a fast one).
	After func(time.Duration) <-chan time.Time
}

// Status is a snapshot of a supervised output.
type Status struct {
	State      State
	Reconnects int
	Error      string // last error; empty when none
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
}

// NewSupervisor supervises out.
func NewSupervisor(out Runnable, o SupervisorOptions) *Supervisor {
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.Permanent == nil {
		o.Permanent = func(error) bool { return false }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
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
	failures := 0
	for attempt := 1; ; attempt++ {
		wentLive, err := s.runOnce(ctx)
		if ctx.Err() != nil {
			s.set(StateStopped, nil)
			return nil
		}
		if wentLive {
			failures = 0
		}
		failures++
		if err == nil {
			err = errors.New("output ended unexpectedly")
		}
		if s.opts.Permanent(err) || failures >= s.opts.MaxFailures {
			if !s.opts.Permanent(err) {
				err = errors.Join(ErrGaveUp, err)
			}
			s.set(StateFailed, err)
			s.log.Warn("output failed", "err", err)
			return err
		}
		s.retry(err)
		select {
		case <-ctx.Done():
			s.set(StateStopped, nil)
			return nil
		case <-s.opts.After(s.opts.Backoff.Delay(failures)):
		}
	}
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
// fires for connecting → live and reconnecting → live.
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
				s.setLive(true)
			}
		}
	}
}

func (s *Supervisor) setLive(live bool) {
	s.mu.Lock()
	changed := false
	if live && s.state != StateLive && s.state != StateStopped {
		s.state, changed = StateLive, true
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

func (s *Supervisor) retry(err error) {
	s.mu.Lock()
	s.reconnects++
	s.mu.Unlock()
	s.log.Info("output will reconnect", "err", err)
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
	return st
}
