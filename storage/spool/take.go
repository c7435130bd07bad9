package spool

import (
	"fmt"
	"os"
)

// Take removes every waiting entry of key and returns the newest one's
// data, so its caller can decide whether it still belongs in the store.
// Entries being uploaded are left alone. ok is false when none waited.
func (s *Spool) Take(key string) (data []byte, ok bool, err error) {
	s.mu.Lock()
	var taken []entry
	for _, e := range s.queue {
		if e.key == key && !s.inFlight[e.seq] {
			taken = append(taken, e)
		}
	}
	if len(taken) == 0 {
		s.mu.Unlock()
		return nil, false, nil
	}
	newest := taken[len(taken)-1]
	data, err = os.ReadFile(s.dataPath(newest.seq))
	if err != nil {
		s.mu.Unlock()
		return nil, false, fmt.Errorf("spool: take %q: %w", key, err)
	}
	for _, e := range taken {
		s.dropLocked(e)
	}
	s.mu.Unlock()
	for _, e := range taken {
		if err := s.remove(e); err != nil {
			s.log.Warn("remove taken spool entry", "key", e.key, "err", err)
		}
	}
	return data, true, nil
}
