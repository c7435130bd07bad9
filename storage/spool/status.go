package spool

import "time"

// Status is a snapshot of the spool.
type Status struct {
	Pending      int   // entries waiting for upload
	PendingBytes int64 // their size, plus enqueues in progress
	Uploaded     uint64
	LastError    error // the last upload error; nil after a success
	LastErrorAt  time.Time
	Degraded     bool // uploads are failing and being retried
}

// Status returns a snapshot of the spool.
func (s *Spool) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Pending = len(s.queue)
	st.PendingBytes = s.reserved
	return st
}

func (s *Spool) markFailed(err error, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastError = err
	s.status.LastErrorAt = at
	s.status.Degraded = true
}

// markUploaded drops the head entry and clears the degraded state.
func (s *Spool) markUploaded(e entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Uploaded++
	s.status.LastError = nil
	s.status.Degraded = false
	if len(s.queue) == 0 || s.queue[0].seq != e.seq {
		return
	}
	s.queue = s.queue[1:]
	s.reserved -= e.size
	if len(s.queue) == 0 {
		close(s.empty)
	}
}
