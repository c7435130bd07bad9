package spool

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Run uploads spooled entries in enqueue order until ctx ends, then
// returns ctx.Err(). A failed upload is retried, with a pause starting at
// MinBackoff and doubling up to MaxBackoff; it blocks the entries behind
// it, which keeps the order. Only one Run may be active at a time.
func (s *Spool) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	for {
		e, ok := s.head()
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := s.uploadWithRetry(ctx, e); err != nil {
			return err
		}
	}
}

func (s *Spool) head() (entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return entry{}, false
	}
	return s.queue[0], true
}

// uploadWithRetry returns only when the entry is uploaded and removed, or
// ctx ended.
func (s *Spool) uploadWithRetry(ctx context.Context, e entry) error {
	backoff := s.opts.MinBackoff
	for {
		err := s.upload(ctx, e)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.markFailed(err, time.Now())
		s.log.Warn("spool upload failed; retrying", "key", e.key, "retry_in", backoff, "err", err)
		if err := sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(2*backoff, s.opts.MaxBackoff)
	}
}

func (s *Spool) upload(ctx context.Context, e entry) error {
	f, err := os.Open(s.dataPath(e.seq))
	if err != nil {
		return fmt.Errorf("spool: open %d: %w", e.seq, err)
	}
	defer f.Close()
	actx, cancel := context.WithTimeout(ctx, s.opts.AttemptTimeout)
	defer cancel()
	if err := s.store.Put(actx, e.key, f, e.size); err != nil {
		return fmt.Errorf("spool: upload %q: %w", e.key, err)
	}
	// The store has the object: only now may the spool forget it. A crash
	// before remove uploads it again, which Put's overwrite makes harmless.
	if err := s.remove(e); err != nil {
		s.log.Error("remove uploaded spool entry", "key", e.key, "err", err)
	}
	s.markUploaded(e)
	s.log.Debug("spool uploaded", "key", e.key, "bytes", e.size)
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
