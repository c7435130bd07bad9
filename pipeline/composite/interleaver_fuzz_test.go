package composite_test

import (
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
)

// A FuzzInterleaver input is one config byte (MaxWait, bits 0-1), then
// operations of 3 bytes:
//
//	op&7 < 4: push on track b1%3, DTS int8(b2) ms after the track's last
//	          one (0 repeats it, negative goes back), a keyframe when op&0x80
//	op&7 == 4: pop
//	op&7 == 5: flush
//	op&7 == 6: add track b1%3
//	op&7 == 7: remove track b1%3
const (
	ilPush   = 0
	ilPop    = 4
	ilFlush  = 5
	ilAdd    = 6
	ilRemove = 7
	ilKey    = 0x80
)

func ilOp(op, track byte, arg int8) []byte {
	return []byte{op, track, byte(arg)}
}

func interleaverSeeds() []fuzzSeed {
	var av, stall, dup []byte
	av = append(av, ilOp(ilAdd, 0, 0)...)
	av = append(av, ilOp(ilAdd, 1, 0)...)
	for i := range 30 {
		av = append(av, ilOp(ilPush|ilKey*byte(1-min(i%10, 1)), 0, 33)...)
		av = append(av, ilOp(ilPush|ilKey, 1, 21)...)
		av = append(av, ilOp(ilPush|ilKey, 1, 21)...)
		av = append(av, ilOp(ilPop, 0, 0)...)
		stall = append(stall, ilOp(ilPush|ilKey, 1, 100)...)
		if i < 5 || i > 20 {
			stall = append(stall, ilOp(ilPush|ilKey*byte(i%2), 0, 20)...)
		}
		stall = append(stall, ilOp(ilPop, 0, 0)...)
		dup = append(dup, ilOp(ilPush|ilKey, byte(i%3), int8(i%5-1)*10)...)
		if i%4 == 0 {
			dup = append(dup, ilOp(ilPop, 0, 0)...)
		}
	}
	return []fuzzSeed{
		{"audio-and-video", append([]byte{0}, av...)},
		{"stalled-track-resumes", append([]byte{1}, stall...)},
		{"duplicates-and-reordering", append([]byte{2}, dup...)},
		{"removed-track-comes-back-at-its-last-dts", cat([]byte{0},
			ilOp(ilPush, 0, 48), ilOp(ilRemove, 0, 0), ilOp(ilPop, 0, 0), ilOp(ilPush, 0, 0))},
		{"remove-and-flush", cat([]byte{3},
			ilOp(ilPush|ilKey, 0, 10), ilOp(ilPush|ilKey, 1, 5), ilOp(ilRemove, 0, 0),
			ilOp(ilPop, 0, 0), ilOp(ilFlush, 0, 0), ilOp(ilPush, 0, -50),
			ilOp(ilPush|ilKey, 2, 1), ilOp(ilPop, 0, 0))},
	}
}

func FuzzInterleaver(f *testing.F) {
	for _, s := range interleaverSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		maxWait := []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond, 2 * time.Second}[data[0]&3]
		il := newInterleaver(t, composite.InterleaverConfig{MaxWait: maxWait})
		c := &interleaverChecker{t: t, il: il, tracks: [3]*media.Track{{ID: "video"}, {ID: "audio"}, {ID: "data"}}, seen: map[*media.Unit]bool{}, last: map[*media.Track]time.Duration{}}
		for ops := data[1:]; len(ops) >= 3; ops = ops[3:] {
			c.apply(ops[:3])
		}
		c.check(il.Flush())
		st := il.Stats()
		dropped := st.DroppedLate + st.DroppedNonMonotonic + st.DroppedUntilKey
		if st.Queued != 0 || st.Pushed != c.pushed || st.Released != c.released || st.Released+dropped != st.Pushed {
			t.Fatalf("%d pushed, %d released, Stats = %+v", c.pushed, c.released, st)
		}
	})
}

// interleaverChecker drives an Interleaver and checks the order of what
// it releases.
type interleaverChecker struct {
	t        *testing.T
	il       *composite.Interleaver
	tracks   [3]*media.Track
	dts      [3]time.Duration // the last DTS pushed per track
	seen     map[*media.Unit]bool
	last     map[*media.Track]time.Duration
	out      time.Duration
	any      bool
	pushed   uint64
	released uint64
}

func (c *interleaverChecker) apply(op []byte) {
	tr := op[1] % 3
	switch op[0] & 7 {
	case ilPop:
		c.check(c.il.Pop())
	case ilFlush:
		c.check(c.il.Flush())
	case ilAdd:
		c.il.AddTrack(c.tracks[tr])
	case ilRemove:
		c.il.RemoveTrack(c.tracks[tr])
	default:
		c.dts[tr] += time.Duration(int8(op[2])) * time.Millisecond
		c.il.Push(unit(c.tracks[tr], c.dts[tr], op[0]&ilKey != 0))
		c.pushed++
	}
}

func (c *interleaverChecker) check(us []*media.Unit) {
	for _, u := range us {
		if c.seen[u] {
			c.t.Fatalf("unit %s at %v released twice", u.Track.ID, u.DTS)
		}
		c.seen[u] = true
		if c.any && u.DTS < c.out {
			c.t.Fatalf("unit %s at %v released after %v", u.Track.ID, u.DTS, c.out)
		}
		if l, ok := c.last[u.Track]; ok && u.DTS <= l {
			c.t.Fatalf("unit %s at %v released after %v of the same track", u.Track.ID, u.DTS, l)
		}
		c.out, c.any, c.last[u.Track] = u.DTS, true, u.DTS
		c.released++
	}
}
