package composite

import (
	"testing"
	"time"
)

// scriptedNow is a clock the test moves.
type scriptedNow struct{ t time.Time }

func (s *scriptedNow) now() time.Time { return s.t }

func (s *scriptedNow) at(d time.Duration) { s.t = time.Unix(1_000_000, 0).Add(d) }

// The lateness is the latest (arrival − PTS) behind the least delayed
// unit over the last one to two windows.
func TestMediaClockLateness(t *testing.T) {
	s := &scriptedNow{}
	c := mediaClock{now: s.now}
	if _, ok := c.lateness(); ok {
		t.Fatal("lateness before any unit")
	}
	want := func(d time.Duration) {
		t.Helper()
		if got, ok := c.lateness(); !ok || got != d {
			t.Fatalf("lateness %v %v, want %v", got, ok, d)
		}
	}
	s.at(0)
	c.observe(0)
	want(0)
	s.at(100 * time.Millisecond)
	c.observe(70 * time.Millisecond) // 30 ms late
	want(30 * time.Millisecond)
	s.at(200 * time.Millisecond)
	c.observe(195 * time.Millisecond) // 5 ms late
	want(30 * time.Millisecond)
	// A unit less delayed than all before moves the offset: the others
	// were later than thought.
	s.at(300 * time.Millisecond)
	c.observe(310 * time.Millisecond)
	want(40 * time.Millisecond)
	// The 30 ms unit is forgotten after two windows.
	for i := 1; i <= 2; i++ {
		s.at(time.Duration(i)*latenessWindow + 300*time.Millisecond)
		c.observe(time.Duration(i)*latenessWindow + 305*time.Millisecond) // 5 ms late
	}
	want(5 * time.Millisecond)
}

// A live layout runs behind by its inputs' lateness plus a margin, at
// least its floor, at most LayoutConfig.Latency.
func TestLayoutLatencyFollowsInputs(t *testing.T) {
	s := &scriptedNow{}
	l, err := NewLayout(LayoutConfig{Now: s.now, Latency: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	unit := func(arrive, pts time.Duration) {
		s.at(arrive)
		l.clock.observe(pts)
	}
	unit(0, 0)
	if got := l.latency(); got != ComposeMinLatency {
		t.Fatalf("composing with punctual inputs: latency %v, want %v", got, ComposeMinLatency)
	}
	l.passing, l.passOut = true, true
	if got := l.latency(); got != PassthroughMinLatency {
		t.Fatalf("passing through with punctual inputs: latency %v, want %v", got, PassthroughMinLatency)
	}
	unit(time.Second, time.Second-80*time.Millisecond)
	if got, want := l.latency(), 80*time.Millisecond+latencyMargin; got != want {
		t.Fatalf("passing through, a unit 80 ms late: latency %v, want %v", got, want)
	}
	unit(2*time.Second, 2*time.Second-time.Second)
	if got := l.latency(); got != 250*time.Millisecond {
		t.Fatalf("a unit 1 s late: latency %v, want the maximum", got)
	}
}
