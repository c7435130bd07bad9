package composite

import "time"

// SetPassIdle sets how long Run's own goroutine waits between steps while
// the output passes video through (passIdle). Call it before Run.
func SetPassIdle(l *Layout, d time.Duration) { l.live.idle = d }

// MixStats returns the stats of l's mix; zero before it starts.
func MixStats(l *Layout) MixerStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mixer == nil {
		return MixerStats{}
	}
	return l.mixer.Stats()
}
