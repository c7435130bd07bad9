package rtmp

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of an output's counters.
type Stats struct {
	Bytes        uint64 // written to the network, over every Run
	BitrateKbps  int    // over the last rateWindow seconds
	Connected    bool   // publishing now
	DroppedUnits uint64 // units not sent: before the first keyframe, unsupported codec, no codec config
	LastError    string // redacted; empty when none
}

// stats holds the live counters; every method is safe concurrently.
type stats struct {
	bytes     atomic.Uint64
	dropped   atomic.Uint64
	connected atomic.Bool
	rate      rateMeter

	mu      sync.Mutex
	lastErr string
}

func (s *stats) wrote(n int) {
	if n > 0 {
		s.bytes.Add(uint64(n))
		s.rate.add(n)
	}
}

func (s *stats) setErr(err error) {
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}

func (s *stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Bytes: s.bytes.Load(), BitrateKbps: s.rate.kbps(), Connected: s.connected.Load(),
		DroppedUnits: s.dropped.Load(), LastError: s.lastErr,
	}
}

// rateWindow is the span, in whole seconds, the bitrate averages over.
const rateWindow = 5

// rateMeter sums bytes in one-second buckets.
type rateMeter struct {
	mu    sync.Mutex
	now   func() time.Time // nil: time.Now
	first int64            // the second of the first byte
	sec   [rateWindow + 1]int64
	bytes [rateWindow + 1]uint64
}

func (m *rateMeter) clock() int64 {
	if m.now != nil {
		return m.now().Unix()
	}
	return time.Now().Unix()
}

func (m *rateMeter) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sec := m.clock()
	if m.first == 0 {
		m.first = sec
	}
	i := sec % int64(len(m.sec))
	if m.sec[i] != sec {
		m.sec[i], m.bytes[i] = sec, 0
	}
	m.bytes[i] += uint64(n)
}

// kbps averages the last rateWindow complete seconds (fewer at the start).
func (m *rateMeter) kbps() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	span := min(now-m.first, rateWindow)
	if m.first == 0 || span <= 0 {
		return 0
	}
	var sum uint64
	for i, sec := range m.sec {
		if sec < now && sec >= now-span {
			sum += m.bytes[i]
		}
	}
	return int(sum * 8 / 1000 / uint64(span))
}
