package webhook

import (
	"context"
	"time"
)

// backoff doubles from lo up to hi.
type backoff struct {
	cur, lo, hi time.Duration
}

func newBackoff(lo, hi time.Duration) *backoff { return &backoff{lo: lo, hi: hi} }

// next returns the next pause: lo, 2·lo, 4·lo, … capped at hi.
func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.lo
	} else {
		b.cur = min(b.cur*2, b.hi)
	}
	return b.cur
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
