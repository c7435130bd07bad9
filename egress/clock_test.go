package egress

import (
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/testutil"
)

// fakeClock is a supervisor's clock that moves only when a test fires
// the pending timer: After records each wait, and fire advances Now by it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waits   []time.Duration
	pending chan time.Time // the timer After handed out last, not fired yet
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.pending = make(chan time.Time, 1)
	return c.pending
}

// waiting returns the supervisor's pending wait, if it is waiting.
func (c *fakeClock) waiting() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		return 0, false
	}
	return c.waits[len(c.waits)-1], true
}

// next waits (bounded) until the supervisor waits, and returns the wait.
func (c *fakeClock) next(t *testing.T) time.Duration {
	t.Helper()
	var d time.Duration
	testutil.Eventually(t, 5*time.Second, "condition", func() bool {
		var ok bool
		d, ok = c.waiting()
		return ok
	})
	return d
}

// fire ends the pending wait, moving the clock on by it.
func (c *fakeClock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		return
	}
	c.now = c.now.Add(c.waits[len(c.waits)-1])
	c.pending <- c.now
	c.pending = nil
}

// advance moves the clock on by d, as time spent in an attempt.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) allWaits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
