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
// unit over the last one to two windows, of all units or of audio only.
func TestMediaClockLateness(t *testing.T) {
	s := &scriptedNow{}
	c := mediaClock{now: s.now}
	if _, ok := c.lateness(false); ok {
		t.Fatal("lateness before any unit")
	}
	want := func(all, audio time.Duration) {
		t.Helper()
		if got, ok := c.lateness(false); !ok || got != all {
			t.Fatalf("lateness %v %v, want %v", got, ok, all)
		}
		if got, _ := c.lateness(true); got != audio {
			t.Fatalf("audio lateness %v, want %v", got, audio)
		}
	}
	s.at(0)
	c.observe(0, true)
	if _, ok := c.lateness(false); ok {
		t.Fatal("lateness known before a whole window")
	}
	w := latenessWindow
	s.at(w)
	c.observe(w, true)
	want(0, 0)
	s.at(w + 100*time.Millisecond)
	c.observe(w+70*time.Millisecond, false) // video 30 ms late
	want(30*time.Millisecond, 0)
	s.at(w + 200*time.Millisecond)
	c.observe(w+195*time.Millisecond, true) // audio 5 ms late
	want(30*time.Millisecond, 5*time.Millisecond)
	// A unit less delayed than all before moves the offset: the others
	// were later than thought.
	s.at(w + 300*time.Millisecond)
	c.observe(w+310*time.Millisecond, false)
	want(40*time.Millisecond, 15*time.Millisecond)
	// The late units are forgotten after two windows.
	for i := 2; i <= 3; i++ {
		s.at(time.Duration(i)*w + 300*time.Millisecond)
		c.observe(time.Duration(i)*w+307*time.Millisecond, true) // 3 ms late
	}
	want(3*time.Millisecond, 3*time.Millisecond)
}

// A live layout runs behind by its inputs' lateness plus a margin, at
// least its floor, at most LayoutConfig.Latency; passing video through,
// by the audio's lateness only, since the video leaves as it comes.
func TestLayoutLatencyFollowsInputs(t *testing.T) {
	s := &scriptedNow{}
	l, err := NewLayout(LayoutConfig{Now: s.now, Latency: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	unit := func(arrive, pts time.Duration, audio bool) {
		s.at(arrive)
		l.clock.observe(pts, audio)
	}
	unit(0, 0, true)
	if got := l.latency(); got != 250*time.Millisecond {
		t.Fatalf("the first window: latency %v, want the maximum", got)
	}
	if got := l.interleaveWait(0); got != DefaultMaxWait {
		t.Fatalf("the first window: interleaver wait %v, want %v", got, DefaultMaxWait)
	}
	unit(0, 0, false)
	unit(latenessWindow, latenessWindow, true)
	unit(latenessWindow, latenessWindow, false)
	if got := l.latency(); got != ComposeMinLatency {
		t.Fatalf("composing with punctual inputs: latency %v, want %v", got, ComposeMinLatency)
	}
	l.passing, l.passOut = true, true
	if got := l.latency(); got != PassthroughMinLatency {
		t.Fatalf("passing through with punctual inputs: latency %v, want %v", got, PassthroughMinLatency)
	}
	unit(latenessWindow+time.Second, latenessWindow+time.Second-200*time.Millisecond, false) // a keyframe 200 ms late
	if got := l.latency(); got != PassthroughMinLatency {
		t.Fatalf("passing through, video 200 ms late: latency %v, want %v", got, PassthroughMinLatency)
	}
	if got, want := l.interleaveWait(0), 340*time.Millisecond; got != want {
		t.Fatalf("interleaver wait %v, want %v", got, want)
	}
	// A step still 250 ms behind (its latency before the lateness was
	// known) waits as long as its audio trails the passed-through video.
	if got, want := l.interleaveWait(250*time.Millisecond), 250*time.Millisecond+audioOutputDelay+latencyMargin; got != want {
		t.Fatalf("interleaver wait at latency 250 ms: %v, want %v", got, want)
	}
	unit(latenessWindow+time.Second, latenessWindow+time.Second-80*time.Millisecond, true)
	if got, want := l.latency(), 80*time.Millisecond+latencyMargin; got != want {
		t.Fatalf("passing through, audio 80 ms late: latency %v, want %v", got, want)
	}
	l.passing, l.passOut = false, false
	if got, want := l.latency(), 200*time.Millisecond+latencyMargin; got != want {
		t.Fatalf("composing, video 200 ms late: latency %v, want %v", got, want)
	}
	unit(latenessWindow+2*time.Second, latenessWindow+time.Second, true)
	if got := l.latency(); got != 250*time.Millisecond {
		t.Fatalf("a unit 1 s late: latency %v, want the maximum", got)
	}
	if got := l.interleaveWait(0); got != DefaultMaxWait {
		t.Fatalf("a unit 1 s late: interleaver wait %v, want %v", got, DefaultMaxWait)
	}
}

// Passing video through with no audio input (a camera without a
// microphone, or one whose audio stopped two windows ago), the output's
// audio is the mix's silence: nothing is on its way that it must wait
// for, so the layout runs at its floor, not at LayoutConfig.Latency
// (which held every passed-through frame back by it for good).
func TestLayoutLatencyWithoutAudio(t *testing.T) {
	s := &scriptedNow{}
	l, err := NewLayout(LayoutConfig{Now: s.now, Latency: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l.passing, l.passOut = true, true
	unit := func(arrive, pts time.Duration, audio bool) {
		s.at(arrive)
		l.clock.observe(pts, audio)
	}
	unit(0, 0, false)
	if got := l.latency(); got != 250*time.Millisecond {
		t.Fatalf("the first window: latency %v, want the maximum", got)
	}
	w := latenessWindow
	unit(w, w, false)
	unit(w+time.Second, w+time.Second-100*time.Millisecond, false) // video 100 ms late: it does not wait
	if got := l.latency(); got != PassthroughMinLatency {
		t.Fatalf("video only: latency %v, want %v", got, PassthroughMinLatency)
	}
	// Audio comes, 80 ms late, then stops; the video goes on.
	unit(2*w, 2*w-80*time.Millisecond, true)
	unit(3*w, 3*w-80*time.Millisecond, true)
	if got, want := l.latency(), 80*time.Millisecond+latencyMargin; got != want {
		t.Fatalf("audio 80 ms late: latency %v, want %v", got, want)
	}
	for i := 4; i <= 6; i++ {
		unit(time.Duration(i)*w, time.Duration(i)*w, false)
	}
	if got := l.latency(); got != PassthroughMinLatency {
		t.Fatalf("audio gone for two windows: latency %v, want %v", got, PassthroughMinLatency)
	}
	// Composing, the video's own lateness counts as before.
	l.passing, l.passOut = false, false
	if got := l.latency(); got != ComposeMinLatency {
		t.Fatalf("composing punctual video: latency %v, want %v", got, ComposeMinLatency)
	}
}
