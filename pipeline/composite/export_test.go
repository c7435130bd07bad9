package composite

import "time"

// SetPassIdle sets how long Run's own goroutine waits between steps while
// the output passes video through (passIdle). Call it before Run.
func SetPassIdle(l *Layout, d time.Duration) { l.live.idle = d }
