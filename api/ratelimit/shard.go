package ratelimit

import (
	"sync"
	"time"
)

// sweepEvery is how often a shard forgets its full buckets.
const sweepEvery = time.Minute

// evictSample is how many buckets a full shard looks at to choose one
// to evict, as an approximation of the least used one.
const evictSample = 8

// shard is one independently locked part of a Limiter's buckets. A
// bucket is the theoretical arrival time of its key's next action: the
// bucket is full when that time has passed, and empty when it is more
// than tolerance ahead of now.
type shard struct {
	mu        sync.Mutex
	arrival   map[string]time.Time
	maxKeys   int
	lastSweep time.Time
}

func (s *shard) init(maxKeys int) {
	s.arrival = make(map[string]time.Time)
	s.maxKeys = max(maxKeys, 1)
}

func (s *shard) allow(key string, now time.Time, interval, tolerance time.Duration) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepIfDue(now)
	tat, known := s.arrival[key]
	if !known {
		s.makeRoom(now)
	}
	if tat.Before(now) {
		tat = now // full: a bucket holds no more than burst tokens
	}
	if wait := tat.Sub(now) - tolerance; wait > 0 {
		return false, wait
	}
	s.arrival[key] = tat.Add(interval)
	return true, 0
}

// sweepIfDue forgets, once per sweepEvery, the buckets that are full.
func (s *shard) sweepIfDue(now time.Time) {
	if now.Sub(s.lastSweep) < sweepEvery {
		return
	}
	s.lastSweep = now
	for key, tat := range s.arrival {
		if !tat.After(now) {
			delete(s.arrival, key)
		}
	}
}

// makeRoom evicts one bucket when the shard is full: among a few, in
// the map's random order, a full one or else the one refilling soonest.
func (s *shard) makeRoom(now time.Time) {
	if len(s.arrival) < s.maxKeys {
		return
	}
	victim, seen := "", 0
	var soonest time.Time
	for key, tat := range s.arrival {
		if victim == "" || tat.Before(soonest) {
			victim, soonest = key, tat
		}
		if seen++; !tat.After(now) || seen == evictSample {
			break
		}
	}
	delete(s.arrival, victim)
}

func (s *shard) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arrival)
}
