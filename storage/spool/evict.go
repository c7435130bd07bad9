package spool

// evictLocked drops the oldest expendable entries that wait (none being
// uploaded) until need bytes are freed, and returns them; their files
// are still to be removed (dropEvicted). When all of them would not free
// need bytes it drops none: that would lose them and still not make room.
func (s *Spool) evictLocked(need int64) []entry {
	var out []entry
	for _, e := range s.queue {
		if need <= 0 {
			break
		}
		if e.evicted == nil || s.inFlight[e.seq] {
			continue
		}
		out = append(out, e)
		need -= e.size
	}
	if need > 0 {
		return nil
	}
	for _, e := range out {
		s.dropLocked(e)
		s.status.Evicted++
		s.status.EvictedBytes += e.size
	}
	return out
}

// evict is evictLocked for an enqueue the disk had no room for.
func (s *Spool) evict(need int64) []entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evictLocked(need)
}

// dropEvicted removes evicted entries' files, then tells their owners.
func (s *Spool) dropEvicted(evicted []entry) {
	for _, e := range evicted {
		if err := s.remove(e); err != nil {
			s.log.Warn("remove evicted spool entry", "key", e.key, "err", err)
		}
		s.log.Warn("spool full: expendable entry evicted", "key", e.key, "bytes", e.size)
		e.evicted()
	}
}

func sizeOf(es []entry) int64 {
	var n int64
	for _, e := range es {
		n += e.size
	}
	return n
}
