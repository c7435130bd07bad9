package jitter

import (
	"slices"
	"testing"
	"time"
)

// adaptiveRun drives an adaptive jitter buffer with scripted arrivals.
type adaptiveRun struct {
	t   *testing.T
	j   *Buffer
	now time.Time
	out []uint16
	gap bool
}

func newAdaptiveRun(t *testing.T, maxLatency, floor time.Duration) *adaptiveRun {
	return &adaptiveRun{t: t, j: NewAdaptive(maxLatency, floor, 64), now: jbEpoch}
}

// at moves the clock to ms after the epoch, pushes seqs and pops.
func (r *adaptiveRun) at(ms int, seqs ...uint16) {
	r.t.Helper()
	next := jbEpoch.Add(time.Duration(ms) * time.Millisecond)
	if next.Before(r.now) {
		r.t.Fatalf("script goes back in time to %d ms", ms)
	}
	r.now = next
	for _, s := range seqs {
		r.j.Push(jbPacket(s), r.now)
	}
	for {
		pkts, gap := r.j.Pop(r.now)
		if len(pkts) == 0 {
			return
		}
		r.out, r.gap = append(r.out, jbSeqs(pkts)...), r.gap || gap
	}
}

func (r *adaptiveRun) wantHold(d time.Duration) {
	r.t.Helper()
	if got := r.j.Hold(); got != d {
		r.t.Fatalf("hold %v, want %v", got, d)
	}
}

func (r *adaptiveRun) wantOut(seqs ...uint16) {
	r.t.Helper()
	if !slices.Equal(r.out, seqs) {
		r.t.Fatalf("released %v, want %v", r.out, seqs)
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// With no hole an adaptive buffer releases every packet as it comes, and
// until a hole has been seen it would wait its maximum for one.
func TestAdaptiveHoldNoHole(t *testing.T) {
	r := newAdaptiveRun(t, ms(300), 0)
	r.wantHold(ms(300))
	for i := range 50 {
		r.at(20*i, uint16(i))
		if len(r.out) != i+1 {
			t.Fatalf("packet %d not released on arrival: %v", i, r.out)
		}
	}
	r.wantHold(ms(300))
	if d := r.j.NextDeadline(); !d.IsZero() {
		t.Fatalf("NextDeadline %v with nothing waiting", d)
	}
}

// Reordering by 8 ms makes the hold twice 8 ms + 20 ms; a later
// hole is then given up on after that, not after the maximum.
func TestAdaptiveHoldFollowsReordering(t *testing.T) {
	r := newAdaptiveRun(t, ms(300), ms(5))
	r.at(0, 1, 3)
	r.at(8, 2)
	r.wantOut(1, 2, 3)
	r.wantHold(ms(36)) // 2·8 + 20
	r.at(20, 5)
	r.at(55)
	r.wantOut(1, 2, 3)
	r.at(56)
	r.wantOut(1, 2, 3, 5)
	if !r.gap {
		t.Fatal("the hole before 5 was skipped without a gap")
	}
}

// A retransmission that fills its hole 100 ms after it began sets the
// hold to 2·100 + 20 ms; a faster network later lowers it by
// 1/jitterHoldDecay of the excess per filled hole, never below the latest
// target.
func TestAdaptiveHoldFollowsRetransmissions(t *testing.T) {
	r := newAdaptiveRun(t, ms(300), 0)
	r.at(0, 1, 3)
	r.at(100, 2)
	r.wantHold(ms(220))
	r.at(110, 5)
	r.at(150, 4) // 40 ms: target 100 ms
	r.wantHold(ms(220) - (ms(220)-ms(100))/jitterHoldDecay)
	prev := r.j.Hold()
	seq := uint16(6)
	for i := range 40 {
		at := 200 + 100*i
		r.at(at, seq, seq+2)
		r.at(at+40, seq+1)
		seq += 3
	}
	if got := r.j.Hold(); got >= prev || got < ms(100) {
		t.Fatalf("hold %v after 40 holes filled in 40 ms, was %v; want in [100 ms, %v)", got, prev, prev)
	}
	if r.j.Stats().Lost != 0 {
		t.Fatalf("lost %d", r.j.Stats().Lost)
	}
}

// A packet that arrives after its hole was given up on tells how long
// it would have taken: the next hole waits for that.
func TestAdaptiveHoldLearnsFromLatePackets(t *testing.T) {
	r := newAdaptiveRun(t, ms(300), 0)
	r.at(0, 1, 3)
	r.at(20, 2)
	r.wantHold(ms(60))
	r.at(100, 5)
	r.at(160)
	r.wantOut(1, 2, 3, 5)
	r.at(220, 4) // the hole began at 100: 120 ms
	r.wantHold(ms(260))
	if st := r.j.Stats(); st.Late != 1 || st.Lost != 1 {
		t.Fatalf("stats %+v, want 1 late and 1 lost", st)
	}
	r.at(300, 7)
	r.at(460, 6) // within 260 ms: recovered
	r.wantOut(1, 2, 3, 5, 6, 7)
}

// Holes that nothing comes back for (audio has no NACK) halve the hold
// down to the floor.
func TestAdaptiveHoldShrinksOnUnansweredLoss(t *testing.T) {
	r := newAdaptiveRun(t, ms(320), ms(20))
	want := []time.Duration{ms(160), ms(80), ms(40), ms(20), ms(20)}
	seq, now := uint16(1), 0
	for _, w := range want {
		r.at(now, seq)
		r.at(now+1, seq+2)
		hold := r.j.Hold()
		r.at(now + 1 + int(hold/time.Millisecond))
		r.wantHold(w)
		seq += 3
		now += 1000
	}
	if lost := r.j.Stats().Lost; lost != uint64(len(want)) {
		t.Fatalf("lost %d, want %d", lost, len(want))
	}
}

// A known RTT keeps the hold at 1.5 RTT + 20 ms at least, within the
// maximum.
func TestAdaptiveHoldRTTFloor(t *testing.T) {
	r := newAdaptiveRun(t, ms(300), 0)
	r.at(0, 1, 3)
	r.at(4, 2)
	r.wantHold(ms(28))
	r.j.SetRTT(ms(100))
	r.wantHold(ms(170))
	r.j.SetRTT(ms(400))
	r.wantHold(ms(300))
	r.j.SetRTT(0)
	r.wantHold(ms(28))
}

// A buffer of fixed latency keeps it whatever happens.
func TestFixedHoldIgnoresHoles(t *testing.T) {
	j := New(ms(100), 16)
	j.SetRTT(ms(500))
	j.Push(jbPacket(1), jbEpoch)
	j.Push(jbPacket(3), jbEpoch)
	j.Push(jbPacket(2), jbEpoch.Add(ms(5)))
	if j.Hold() != ms(100) {
		t.Fatalf("hold %v", j.Hold())
	}
}

// An audio track's buffer (no NACK) starts at its floor; a video track's
// at its maximum.
func TestTrackJitterStart(t *testing.T) {
	if h := NewForTrack(false, ms(300), 64).Hold(); h != DefaultFloor {
		t.Fatalf("audio hold %v, want %v", h, DefaultFloor)
	}
	if h := NewForTrack(true, ms(300), 64).Hold(); h != ms(300) {
		t.Fatalf("video hold %v, want 300 ms", h)
	}
}

// Arrival tells when a released packet was pushed, not when it was
// released: the packets behind a hole arrived before it filled.
func TestJitterBufferArrival(t *testing.T) {
	r := newAdaptiveRun(t, ms(300), 0)
	r.at(0, 1)
	r.at(10, 3)
	r.at(20, 4)
	r.at(90, 2)
	r.wantOut(1, 2, 3, 4)
	for seq, at := range map[uint16]int{1: 0, 2: 90, 3: 10, 4: 20} {
		if got := r.j.Arrival(seq); !got.Equal(jbEpoch.Add(ms(at))) {
			t.Errorf("arrival of %d: %v, want %d ms", seq, got.Sub(jbEpoch), at)
		}
	}
	for _, seq := range []uint16{0, 5, 1000} {
		if got := r.j.Arrival(seq); !got.IsZero() {
			t.Errorf("arrival of %d, not released: %v", seq, got)
		}
	}
}
