package egress

import (
	"errors"
	"fmt"
	"time"
)

// ErrGaveUp wraps the last error of an output that failed to connect
// MaxFailures times in a row without ever going live in between.
var ErrGaveUp = errors.New("gave up after repeated failures")

// ErrRetryExpired wraps the last error of an output that stayed down for
// its MaxRetry (a target's max_retry_seconds).
var ErrRetryExpired = errors.New("max_retry_seconds reached")

// retries is the supervisor's retry policy for one output: how many
// attempts in a row failed, since when it is down, and whether to go on.
type retries struct {
	opts      *SupervisorOptions
	failures  int       // attempts in a row that never went live
	downSince time.Time // since the output last delivered, or started
}

// ended records the end of an attempt at now.
func (r *retries) ended(wentLive bool, now time.Time) {
	if wentLive {
		r.failures, r.downSince = 0, now
	}
	r.failures++
}

// giveUp returns the output's final error when err ends it: a permanent
// rejection, MaxFailures attempts in a row, or MaxRetry spent down; nil
// to retry.
func (r *retries) giveUp(err error, now time.Time) error {
	o := r.opts
	switch down := now.Sub(r.downSince); {
	case o.Permanent(err):
		return err
	case o.MaxFailures > 0 && r.failures >= o.MaxFailures:
		return errors.Join(ErrGaveUp, err)
	case o.MaxRetry > 0 && down >= o.MaxRetry:
		return fmt.Errorf("%w: not live for %s (limit %s): %w", ErrRetryExpired,
			down.Round(100*time.Millisecond), o.MaxRetry, err)
	}
	return nil
}

// pause is the wait before the next attempt: the backoff, cut short so
// that the last attempt starts when MaxRetry runs out.
func (r *retries) pause(now time.Time) time.Duration {
	d := r.opts.Backoff.Delay(r.failures)
	if m := r.opts.MaxRetry; m > 0 {
		d = max(min(d, r.downSince.Add(m).Sub(now)), 0)
	}
	return d
}
