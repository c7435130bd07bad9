package webhook

import (
	"sync"
	"time"
)

// Stats counts a Dispatcher's work since it was created.
type Stats struct {
	Delivered   uint64    // events the endpoint accepted (2xx) and that were acked
	Failures    uint64    // failed attempts: network error, timeout or non-2xx
	Retries     uint64    // re-attempts of an event after a failed attempt
	Dropped     uint64    // undecodable messages terminated on the stream
	Parked      uint64    // events set aside after their last failed try
	LastError   string    // the latest failure, URL redacted; "" if none
	LastErrorAt time.Time // when LastError happened
}

// stats guards Stats for concurrent readers.
type stats struct {
	mu sync.Mutex
	s  Stats
}

func (st *stats) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.s
}

func (st *stats) update(f func(*Stats)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f(&st.s)
}

func (st *stats) failed(err error, at time.Time) {
	st.update(func(s *Stats) {
		s.Failures++
		s.LastError = err.Error()
		s.LastErrorAt = at
	})
}

// add sums o's counters into s, keeping the latest error.
func (s *Stats) add(o Stats) {
	s.Delivered += o.Delivered
	s.Failures += o.Failures
	s.Retries += o.Retries
	s.Dropped += o.Dropped
	s.Parked += o.Parked
	if o.LastErrorAt.After(s.LastErrorAt) {
		s.LastError, s.LastErrorAt = o.LastError, o.LastErrorAt
	}
}
