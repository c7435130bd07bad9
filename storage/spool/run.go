package spool

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// Run uploads spooled entries until ctx ends, then returns ctx.Err().
// Options.Workers uploads run at once, but the entries of one group
// (Options.Group of the key) go one at a time, in enqueue order, so an
// object that names others (a playlist, a manifest) never reaches the
// store before them. A failed upload is retried with a pause starting at
// MinBackoff and doubling up to MaxBackoff; it holds up its group only.
// Only one Run may be active at a time.
func (s *Spool) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	var wg sync.WaitGroup
	for range s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(ctx)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// work uploads one eligible entry after another until ctx ends.
func (s *Spool) work(ctx context.Context) {
	for {
		e, ok := s.take()
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		err := s.uploadWithRetry(ctx, e)
		s.release(e)
		if err != nil {
			return
		}
		s.signal() // its group may have more
	}
}

// take claims the oldest entry whose group has no upload in flight.
func (s *Spool) take() (entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.queue {
		g := s.opts.Group(e.key)
		if s.busy[g] {
			continue
		}
		s.busy[g] = true
		s.inFlight[e.seq] = true
		if len(s.queue) > 1 {
			s.signalLocked() // another worker may find one of another group
		}
		return e, true
	}
	return entry{}, false
}

// release ends an entry's claim, whether uploaded or not.
func (s *Spool) release(e entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, s.opts.Group(e.key))
	delete(s.inFlight, e.seq)
}

// uploadWithRetry returns only when the entry is uploaded and removed, or
// ctx ended.
func (s *Spool) uploadWithRetry(ctx context.Context, e entry) error {
	backoff := s.opts.MinBackoff
	failed := false
	for {
		err := s.upload(ctx, e, failed)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if failed {
				s.markRecovered()
			}
			return ctx.Err()
		}
		s.markFailed(err, time.Now(), !failed)
		failed = true
		s.log.Warn("spool upload failed; retrying", "key", e.key, "retry_in", backoff, "err", err)
		if err := sleep(ctx, backoff); err != nil {
			s.markRecovered()
			return err
		}
		backoff = min(2*backoff, s.opts.MaxBackoff)
	}
}

func (s *Spool) upload(ctx context.Context, e entry, wasFailing bool) error {
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
	s.markUploaded(e, wasFailing)
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
