package room

import (
	"testing"
	"time"
)

func drainSeqs(q *packetQueue) []uint16 {
	var out []uint16
	for {
		p, ok := q.pop()
		if !ok {
			return out
		}
		out = append(out, p.pkt.SequenceNumber)
	}
}

func TestPacketQueueDropsOldestAudio(t *testing.T) {
	q := newPacketQueue(3, false)
	now := time.Now()
	dropped := 0
	for i := range 5 {
		dropped += q.push(pkt(uint16(i), 0, true, now))
	}
	if got := drainSeqs(q); dropped != 2 || !equalSeqs(got, []uint16{2, 3, 4}) {
		t.Fatalf("queue = %v, dropped %d", got, dropped)
	}
}

func TestPacketQueueDropsToNextKeyframe(t *testing.T) {
	q := newPacketQueue(4, true)
	now := time.Now()
	for i, key := range []bool{true, false, true, false} {
		q.push(pkt(uint16(i), 0, key, now))
	}
	dropped := q.push(pkt(4, 0, false, now))
	if got := drainSeqs(q); dropped != 2 || !equalSeqs(got, []uint16{2, 3, 4}) {
		t.Fatalf("queue = %v, dropped %d", got, dropped)
	}
	if q.len() != 0 {
		t.Fatal("drained queue not empty")
	}
}

func TestPacketQueueGrowsInOrder(t *testing.T) {
	q := newPacketQueue(300, false)
	now := time.Now()
	pops := 0
	for i := range 250 {
		q.push(pkt(uint16(i), 0, true, now))
		if i%3 == 0 { // interleave pops so the ring wraps before growing
			q.pop()
			pops++
		}
	}
	got := drainSeqs(q)
	if len(got) != 250-pops || got[len(got)-1] != 249 {
		t.Fatalf("queue kept %d packets, last %d", len(got), got[len(got)-1])
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("out of order at %d: %v", i, got[i-1:i+1])
		}
	}
	if len(q.buf) > 300 {
		t.Fatalf("grew to %d past the limit", len(q.buf))
	}
}
