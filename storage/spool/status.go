package spool

import "time"

// Status is a snapshot of the spool.
type Status struct {
	Pending      int   // entries waiting for upload
	PendingBytes int64 // their size, plus enqueues in progress
	Uploaded     uint64
	Superseded   uint64 // entries dropped for a newer one of the same key
	LastError    error  // the last upload error; nil once no upload is failing
	LastErrorAt  time.Time
	Degraded     bool // uploads are failing and being retried

	// Limit is the spool's effective size limit: Options.MaxBytes, or
	// what it holds plus the disk's free space when that is less.
	Limit int64
	// Rate is the input over the last minute (bytes kept, less those they
	// replaced, plus bytes refused), in bytes per second;
	// HoldLeft how long the room left lasts at that rate (-1: no input).
	Rate     float64
	HoldLeft time.Duration
	// Low says why new input (a new recording) should wait: less than
	// 10 % of Limit, or less than Options.Hold at Rate, is left.
	Low string
	// Evicted counts expendable entries dropped for room, EvictedBytes
	// their size; Refused the enqueues refused as full.
	Evicted, Refused           uint64
	EvictedBytes, RefusedBytes int64
	// Full is set from a refused enqueue to the next accepted one;
	// FullError says why it was refused.
	Full      bool
	FullError error
}

// Status returns a snapshot of the spool.
func (s *Spool) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Pending = len(s.queue)
	st.PendingBytes = s.reserved
	st.Degraded = s.failing > 0
	if !st.Degraded {
		st.LastError = nil
	}
	r := s.roomLocked()
	st.Limit, st.Rate, st.HoldLeft, st.Low = r.limit, r.rate, r.holdLeft, r.low
	return st
}

// refusedLocked counts an enqueue refused for want of room. Its bytes
// count as input: the rate is what the recordings produce, kept or not.
func (s *Spool) refusedLocked(e entry, err error) {
	s.rate.add(s.opts.Now(), e.size)
	s.status.Refused++
	s.status.RefusedBytes += e.size
	s.status.Full, s.status.FullError = true, err
}

// markFailed records an upload error; first counts the entry as failing.
func (s *Spool) markFailed(err error, at time.Time, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastError = err
	s.status.LastErrorAt = at
	if first {
		s.failing++
	}
}

// markRecovered ends a failing entry's count without an upload.
func (s *Spool) markRecovered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing--
}

// markUploaded drops an uploaded entry from the queue.
func (s *Spool) markUploaded(e entry, wasFailing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Uploaded++
	if wasFailing {
		s.failing--
	}
	s.dropLocked(e)
}

// dropLocked removes e from the queue and its bytes from the reserve.
func (s *Spool) dropLocked(e entry) {
	for i, q := range s.queue {
		if q.seq == e.seq {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			s.reserved -= e.size
			break
		}
	}
	if len(s.queue) == 0 {
		close(s.empty)
	}
}
