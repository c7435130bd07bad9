package room

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

func pkt(seq uint16, ts uint32, key bool, at time.Time) fwdPacket {
	return fwdPacket{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts}}, key: key, arrival: at}
}

func seqs(ps []fwdPacket) []uint16 {
	out := make([]uint16, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.pkt.SequenceNumber)
	}
	return out
}

func equalSeqs(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGOPCacheVideo(t *testing.T) {
	c := newGOPCache(true)
	t0 := time.Unix(1000, 0)
	c.add(pkt(1, 100, false, t0)) // before any keyframe: not kept
	if len(c.snapshot()) != 0 || !c.needsKeyframe() {
		t.Fatalf("cache before keyframe = %v", seqs(c.snapshot()))
	}
	c.add(pkt(2, 200, true, t0))  // SPS
	c.add(pkt(3, 200, true, t0))  // IDR of the same frame: no restart
	c.add(pkt(4, 300, false, t0)) // delta
	if got := seqs(c.snapshot()); !equalSeqs(got, []uint16{2, 3, 4}) {
		t.Fatalf("cache = %v", got)
	}
	c.add(pkt(5, 400, true, t0)) // next keyframe restarts
	if got := seqs(c.snapshot()); !equalSeqs(got, []uint16{5}) || c.needsKeyframe() {
		t.Fatalf("cache after keyframe = %v", got)
	}
	c.add(pkt(6, 500, false, t0.Add(3*time.Second+time.Millisecond))) // GOP too long
	if len(c.snapshot()) != 0 || !c.needsKeyframe() {
		t.Fatalf("cache after 3 s = %v", seqs(c.snapshot()))
	}
}

func TestGOPCacheVideoPacketLimit(t *testing.T) {
	c := newGOPCache(true)
	t0 := time.Unix(1000, 0)
	c.add(pkt(0, 0, true, t0))
	for i := 1; i < cacheMaxPackets; i++ {
		c.add(pkt(uint16(i), 0, false, t0))
	}
	if n := len(c.snapshot()); n != cacheMaxPackets {
		t.Fatalf("cache holds %d, want %d", n, cacheMaxPackets)
	}
	c.add(pkt(cacheMaxPackets, 0, false, t0))
	if n := len(c.snapshot()); n != 0 {
		t.Fatalf("cache over the limit holds %d", n)
	}
}

func TestGOPCacheAudio(t *testing.T) {
	c := newGOPCache(false)
	t0 := time.Unix(1000, 0)
	for i := range 200 { // 4 s of 20 ms packets
		c.add(pkt(uint16(i), uint32(i*960), true, t0.Add(time.Duration(i)*20*time.Millisecond)))
	}
	got := seqs(c.snapshot()) // the last 3 s
	if len(got) != 151 || got[0] != 49 || got[150] != 199 {
		t.Fatalf("audio cache = %d packets from %d", len(got), got[0])
	}
	if c.needsKeyframe() {
		t.Fatal("audio needs a keyframe")
	}
}
