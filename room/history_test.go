package room

import (
	"sync"
	"testing"
	"time"
)

// feedVideo adds frames every 100 ms from t0 for d, a keyframe every
// second, each frame two packets (a keyframe: both key, as an H.264 SPS
// and IDR are). It returns the sequence number of each keyframe start by
// its arrival.
func feedVideo(h *history, t0 time.Time, d time.Duration) map[time.Time]uint16 {
	starts := map[time.Time]uint16{}
	seq := uint16(0)
	for f := 0; time.Duration(f)*100*time.Millisecond < d; f++ {
		at := t0.Add(time.Duration(f) * 100 * time.Millisecond)
		key := f%10 == 0
		if key {
			starts[at] = seq
		}
		for range 2 {
			h.add(pkt(seq, uint32(f*9000), key, at))
			seq++
		}
	}
	return starts
}

func TestHistoryVideoWindowKeepsKeyframe(t *testing.T) {
	h := newHistory(true, 2500*time.Millisecond, 1<<30)
	t0 := time.Unix(1000, 0)
	feedVideo(h, t0, 10*time.Second) // last frame at 9.9 s
	all := h.since(time.Time{})
	// The cutoff is 7.4 s; the last keyframe at or before it is at 7 s.
	if len(all) == 0 || !all[0].arrival.Equal(t0.Add(7*time.Second)) || !all[0].key {
		t.Fatalf("history starts at %s, want the keyframe at 7s", startOf(all, t0))
	}
	if n := len(all); n != 2*30 {
		t.Errorf("kept %d packets, want 60 (7.0 s to 9.9 s)", n)
	}
	checkOrdered(t, all)

	// At 10 s the cutoff is 7.5 s: the keyframe at 8 s is after it, so
	// the one at 7 s stays.
	h.add(pkt(9999, 100*9000, false, t0.Add(10*time.Second)))
	if got := h.since(time.Time{}); startOf(got, t0) != "7s" {
		t.Errorf("after 10 s history starts at %s, want 7s", startOf(got, t0))
	}
	// At 10.5 s the cutoff is 8 s: the keyframe at 8 s is at or before it.
	h.add(pkt(10000, 105*9000, false, t0.Add(10500*time.Millisecond)))
	if got := h.since(time.Time{}); startOf(got, t0) != "8s" {
		t.Errorf("after 10.5 s history starts at %s, want 8s", startOf(got, t0))
	}
}

func TestHistoryVideoWithoutOldKeyframe(t *testing.T) {
	h := newHistory(true, time.Second, 1<<30)
	t0 := time.Unix(1000, 0)
	for i := range 30 { // no keyframe for 3 s: only the window stays
		h.add(pkt(uint16(i), uint32(i*9000), false, t0.Add(time.Duration(i)*100*time.Millisecond)))
	}
	if got := h.since(time.Time{}); got != nil {
		t.Errorf("a history without keyframe replays %v", seqs(got))
	}
	h.mu.Lock()
	kept := len(h.entries) - h.head
	h.mu.Unlock()
	if kept != 11 { // 1.9 s to 2.9 s
		t.Errorf("kept %d packets without keyframe, want the window's 11", kept)
	}
	h.add(pkt(30, 30*9000, true, t0.Add(3*time.Second)))
	h.add(pkt(31, 31*9000, false, t0.Add(3100*time.Millisecond)))
	if got := seqs(h.since(time.Time{})); !equalSeqs(got, []uint16{30, 31}) {
		t.Errorf("replay = %v, want it to start at the keyframe 30", got)
	}
}

func TestHistoryAudioWindow(t *testing.T) {
	h := newHistory(false, time.Second, 1<<30)
	t0 := time.Unix(1000, 0)
	for i := range 100 { // 20 ms apart, to 1.98 s
		h.add(pkt(uint16(i), uint32(i*960), true, t0.Add(time.Duration(i)*20*time.Millisecond)))
	}
	all := h.since(time.Time{})
	if len(all) != 51 || startOf(all, t0) != "980ms" {
		t.Fatalf("kept %d packets from %s, want 51 from 980ms", len(all), startOf(all, t0))
	}
	// A replay from 1.5 s starts 100 ms earlier.
	got := h.since(t0.Add(1500 * time.Millisecond))
	if startOf(got, t0) != "1.4s" {
		t.Errorf("replay from 1.5s starts at %s, want 1.4s", startOf(got, t0))
	}
	if got := h.since(t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("replay from the future has %d packets", len(got))
	}
}

func TestHistorySince(t *testing.T) {
	h := newHistory(true, time.Minute, 1<<30)
	t0 := time.Unix(1000, 0)
	starts := feedVideo(h, t0, 5*time.Second)
	cases := []struct {
		since time.Duration
		want  time.Duration // arrival of the keyframe the replay starts at
	}{
		{-time.Hour, 0},             // older than the history: its first keyframe
		{0, 0},                      // the keyframe itself
		{999 * time.Millisecond, 0}, // just before the next
		{time.Second, time.Second},  // at the next
		{2500 * time.Millisecond, 2 * time.Second},
		{time.Hour, 4 * time.Second}, // the future: the last keyframe
	}
	for _, c := range cases {
		got := h.since(t0.Add(c.since))
		at := t0.Add(c.want)
		if len(got) == 0 || !got[0].arrival.Equal(at) || got[0].pkt.SequenceNumber != starts[at] {
			t.Errorf("since %v: replay starts at %s, want the keyframe at %v", c.since, startOf(got, t0), c.want)
			continue
		}
		if last := got[len(got)-1].arrival; !last.Equal(t0.Add(4900 * time.Millisecond)) {
			t.Errorf("since %v: replay ends at %v", c.since, last.Sub(t0))
		}
		checkOrdered(t, got)
	}
}

func TestHistoryByteBound(t *testing.T) {
	// Each packet costs 12 header bytes plus historyEntryCost.
	per := int64(12 + historyEntryCost)
	h := newHistory(true, time.Hour, 25*per)
	t0 := time.Unix(1000, 0)
	feedVideo(h, t0, 2*time.Second) // 40 packets, keyframes at 0 and 1 s
	got := h.since(time.Time{})
	h.mu.Lock()
	kept, bytes := len(h.entries)-h.head, h.bytes
	h.mu.Unlock()
	if kept != 25 || bytes != 25*per {
		t.Errorf("kept %d packets of %d bytes, want 25 of %d", kept, bytes, 25*per)
	}
	// The keyframe at 0 s went with the bound: the replay starts at 1 s.
	if len(got) != 20 || startOf(got, t0) != "1s" {
		t.Errorf("replay of %d packets from %s, want 20 from 1s", len(got), startOf(got, t0))
	}
	h.reset()
	if got := h.since(time.Time{}); len(got) != 0 {
		t.Errorf("after reset: %d packets", len(got))
	}
}

func TestHistoryDisabled(t *testing.T) {
	if h := newHistory(true, 0, 1<<20); h != nil {
		t.Fatal("a zero window keeps a history")
	}
	var h *history
	h.add(pkt(1, 1, true, time.Unix(1, 0)))
	h.reset()
	if got := h.since(time.Time{}); got != nil {
		t.Errorf("nil history replays %v", got)
	}
	for _, c := range []struct {
		cfg  Config
		want time.Duration
	}{{Config{}, DefaultHistory}, {Config{History: -1}, 0}, {Config{History: 3 * time.Second}, 3 * time.Second}} {
		e, err := newEnv(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if e.history != c.want || e.historyMaxBytes != DefaultHistoryMaxBytes {
			t.Errorf("History %v: env keeps %v and %d bytes, want %v and %d", c.cfg.History, e.history, e.historyMaxBytes, c.want, DefaultHistoryMaxBytes)
		}
	}
	if _, err := newEnv(Config{HistoryMaxBytes: -1}); err == nil {
		t.Error("a negative HistoryMaxBytes is accepted")
	}
}

// TestHistoryCompacts checks that a long-running history keeps its slice
// near the size of what it keeps.
func TestHistoryCompacts(t *testing.T) {
	h := newHistory(false, time.Second, 1<<30)
	t0 := time.Unix(1000, 0)
	for i := range 100000 {
		h.add(pkt(uint16(i), uint32(i*960), true, t0.Add(time.Duration(i)*20*time.Millisecond)))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if kept := len(h.entries) - h.head; kept != 51 || len(h.entries) > kept+historyCompactMin+1 || cap(h.entries) > 4*(kept+historyCompactMin) {
		t.Errorf("keeps %d packets in a slice of len %d cap %d", kept, len(h.entries), cap(h.entries))
	}
}

// TestHistoryConcurrent adds packets while others replay, for -race, and
// checks every replay starts at a keyframe and runs in arrival order.
func TestHistoryConcurrent(t *testing.T) {
	h := newHistory(true, 500*time.Millisecond, 64<<10)
	t0 := time.Unix(1000, 0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		feedVideo(h, t0, 2000*time.Second)
	})
	for range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				got := h.since(t0.Add(time.Duration(i%2000) * time.Second))
				if len(got) > 0 && !got[0].key {
					t.Errorf("replay starts with %d, not a keyframe", got[0].pkt.SequenceNumber)
					return
				}
				if !checkOrdered(t, got) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// checkOrdered reports whether the packets are in arrival order; safe
// from any goroutine.
func checkOrdered(t *testing.T, ps []fwdPacket) bool {
	t.Helper()
	for i := 1; i < len(ps); i++ {
		if ps[i].arrival.Before(ps[i-1].arrival) {
			t.Errorf("packet %d arrived at %v, before the one before it", i, ps[i].arrival)
			return false
		}
	}
	return true
}

// startOf is the arrival of the first packet after t0, "none" without one.
func startOf(ps []fwdPacket, t0 time.Time) string {
	if len(ps) == 0 {
		return "none"
	}
	return ps[0].arrival.Sub(t0).String()
}
