package jitter

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// jbOpKind is what one step of a jitter buffer test does.
type jbOpKind byte

// Op kinds, numbered as in the fuzz encoding.
const (
	jbPush        jbOpKind = 3 // push an absolute sequence number
	jbPop         jbOpKind = 5 // Pop at the current time
	jbPopDeadline jbOpKind = 6 // move the clock to NextDeadline, then Pop
	jbFlush       jbOpKind = 7 // Flush
)

// jbOp is one step of a jitter buffer test: the clock moves by afterMs,
// then the op runs and its result is checked against the want fields.
type jbOp struct {
	afterMs uint8
	kind    jbOpKind
	seq     uint16   // jbPush
	wantOK  bool     // jbPush: Push's result
	want    []uint16 // jbPop, jbPopDeadline, jbFlush: sequence numbers released
	wantGap bool
}

// jbCase is one row of the jitter buffer test table; its ops are also a
// fuzz seed.
type jbCase struct {
	name      string
	capacity  int   // 1 to 32
	latencyMs uint8 // the latency, in ms
	ops       []jbOp
	stats     Stats
}

func jbPushOp(seq uint16, ok bool) jbOp { return jbOp{kind: jbPush, seq: seq, wantOK: ok} }

func jbPopOp(gap bool, seqs ...uint16) jbOp { return jbOp{kind: jbPop, want: seqs, wantGap: gap} }

func jbDeadlineOp(gap bool, seqs ...uint16) jbOp {
	return jbOp{kind: jbPopDeadline, want: seqs, wantGap: gap}
}

func jbFlushOp(gap bool, seqs ...uint16) jbOp { return jbOp{kind: jbFlush, want: seqs, wantGap: gap} }

// wait returns op run ms later.
func (op jbOp) wait(ms uint8) jbOp {
	op.afterMs = ms
	return op
}

var jbEpoch = time.Unix(1_000_000, 0)

func jbPacket(seq uint16) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}}
}

func jbSeqs(pkts []*rtp.Packet) []uint16 {
	seqs := make([]uint16, len(pkts))
	for i, p := range pkts {
		seqs[i] = p.SequenceNumber
	}
	return seqs
}

var jbCases = []jbCase{
	{
		name: "in order", capacity: 16, latencyMs: 100,
		ops:   []jbOp{jbPushOp(1, true), jbPushOp(2, true), jbPushOp(3, true), jbPopOp(false, 1, 2, 3)},
		stats: Stats{Received: 3},
	},
	{
		name: "reordered packet fills the hole", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPushOp(3, true), jbPopOp(false, 1),
			jbPushOp(2, true), jbPopOp(false, 2, 3),
		},
		stats: Stats{Received: 3, Recovered: 1},
	},
	{
		name: "duplicates", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPushOp(1, false), jbPopOp(false, 1), jbPushOp(1, false),
			jbPushOp(3, true), jbPushOp(3, false), jbPopOp(false),
		},
		stats: Stats{Received: 5, Duplicates: 3},
	},
	{
		name: "gap skipped after the latency", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPopOp(false, 1), jbPushOp(3, true), jbPopOp(false),
			jbPopOp(false).wait(99), jbPopOp(true, 3).wait(1), jbPopOp(false),
		},
		stats: Stats{Received: 2, Lost: 1},
	},
	{
		name: "pop at the deadline", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPushOp(3, true), jbPopOp(false, 1), jbDeadlineOp(true, 3),
		},
		stats: Stats{Received: 2, Lost: 1},
	},
	{
		name: "deadline counts from the oldest arrival", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPopOp(false, 1), jbPushOp(4, true), jbPushOp(3, true).wait(50),
			jbPopOp(false).wait(49), jbPopOp(true, 3, 4).wait(1),
		},
		stats: Stats{Received: 3, Lost: 1, Recovered: 1},
	},
	{
		name: "late packet after its gap was skipped", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPushOp(3, true), jbPopOp(false, 1), jbDeadlineOp(true, 3),
			jbPushOp(2, false), jbPopOp(false),
		},
		stats: Stats{Received: 3, Lost: 1, Late: 1},
	},
	{
		name: "overflow skips at once", capacity: 2, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPopOp(false, 1), jbPushOp(3, true), jbPushOp(4, true), jbPopOp(false),
			jbPushOp(5, true), jbPopOp(true, 3, 4, 5),
		},
		stats: Stats{Received: 4, Lost: 1},
	},
	{
		name: "sequence numbers wrap", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(65534, true), jbPushOp(0, true), jbPushOp(65535, true), jbPopOp(false, 65534, 65535, 0),
			jbPushOp(1, true), jbPopOp(false, 1),
		},
		stats: Stats{Received: 4, Recovered: 1},
	},
	{
		name: "gap across the wrap", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(65535, true), jbPopOp(false, 65535), jbPushOp(1, true), jbDeadlineOp(true, 1),
		},
		stats: Stats{Received: 2, Lost: 1},
	},
	{
		name: "huge jump forward resyncs", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPopOp(false, 1), jbPushOp(30000, true), jbPopOp(false),
			jbPushOp(30001, true), jbPopOp(true, 30000, 30001), jbPushOp(30002, true), jbPopOp(false, 30002),
		},
		stats: Stats{Received: 4, Resyncs: 1},
	},
	{
		name: "huge jump backward resyncs", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(30000, true), jbPopOp(false, 30000), jbPushOp(2, true), jbPushOp(1, true),
			jbPopOp(true, 1, 2), jbPushOp(3, true), jbPopOp(false, 3),
		},
		stats: Stats{Received: 4, Resyncs: 1, Recovered: 1},
	},
	{
		name: "stray packet is discarded", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPushOp(40000, true), jbPushOp(40000, false), jbPushOp(2, true),
			jbPopOp(false, 1, 2), jbPushOp(9000, true), jbPushOp(50000, true), jbFlushOp(false),
		},
		stats: Stats{Received: 6, Duplicates: 1, Discarded: 3},
	},
	{
		name: "resync releases what was buffered first", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPopOp(false, 1), jbPushOp(3, true), jbPushOp(5, true),
			jbPushOp(20000, true), jbPushOp(20001, true),
			jbPopOp(true, 3), jbPopOp(true, 5), jbPopOp(true, 20000, 20001), jbPopOp(false),
		},
		stats: Stats{Received: 5, Lost: 2, Resyncs: 1},
	},
	{
		name: "flush skips the gaps", capacity: 16, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(1, true), jbPushOp(3, true), jbPushOp(6, true), jbFlushOp(true, 1, 3, 6), jbPopOp(false),
			jbPushOp(7, true), jbFlushOp(false, 7),
		},
		stats: Stats{Received: 4, Lost: 3},
	},
	{
		name: "zero latency skips gaps at once", capacity: 16, latencyMs: 0,
		ops: []jbOp{
			jbPushOp(1, true), jbPopOp(false, 1), jbPushOp(3, true), jbPopOp(true, 3),
		},
		stats: Stats{Received: 2, Lost: 1},
	},
	{
		name: "restart a little behind catches up", capacity: 2, latencyMs: 100,
		ops: []jbOp{
			jbPushOp(10, true), jbPushOp(11, true), jbPopOp(false, 10, 11),
			jbPushOp(9, false), jbPushOp(10, false), jbPushOp(11, false), jbPushOp(12, true), jbPopOp(false, 12),
		},
		stats: Stats{Received: 6, Late: 1, Duplicates: 2},
	},
}

// runJitterCase runs the ops of c and checks each result.
func runJitterCase(t *testing.T, c jbCase) {
	j := New(time.Duration(c.latencyMs)*time.Millisecond, c.capacity)
	now := jbEpoch
	for i, op := range c.ops {
		now = now.Add(time.Duration(op.afterMs) * time.Millisecond)
		var pkts []*rtp.Packet
		var gap bool
		switch op.kind {
		case jbPush:
			if ok := j.Push(jbPacket(op.seq), now); ok != op.wantOK {
				t.Errorf("op %d: Push(%d) = %v, want %v", i, op.seq, ok, op.wantOK)
			}
			continue
		case jbPop:
			pkts, gap = j.Pop(now)
		case jbPopDeadline:
			if d := j.NextDeadline(); d.After(now) {
				now = d
			}
			pkts, gap = j.Pop(now)
		case jbFlush:
			pkts, gap = j.Flush()
		}
		if got := jbSeqs(pkts); !slices.Equal(got, op.want) || gap != op.wantGap {
			t.Errorf("op %d: released %v gap=%v, want %v gap=%v", i, got, gap, op.want, op.wantGap)
		}
	}
	if got := j.Stats(); got != c.stats {
		t.Errorf("stats %+v, want %+v", got, c.stats)
	}
}

func TestJitterBuffer(t *testing.T) {
	for _, c := range jbCases {
		t.Run(c.name, func(t *testing.T) { runJitterCase(t, c) })
	}
	seeds := map[string][]byte{}
	for _, c := range jbCases {
		seeds[c.name] = encodeJitterCase(c)
		seeds["adaptive "+c.name] = adaptiveSeed(c)
	}
	fuzzcorpus.WriteBytes(t, "FuzzJitterBuffer", seeds)
}

func TestJitterBufferNextDeadline(t *testing.T) {
	j := New(100*time.Millisecond, 2)
	if d := j.NextDeadline(); !d.IsZero() {
		t.Fatalf("empty buffer: deadline %v", d)
	}
	j.Push(jbPacket(1), jbEpoch)
	if d := j.NextDeadline(); !d.Equal(jbEpoch) {
		t.Fatalf("packet ready: deadline %v, want now", d)
	}
	j.Pop(jbEpoch)
	if d := j.NextDeadline(); !d.IsZero() {
		t.Fatalf("all released: deadline %v", d)
	}
	t1 := jbEpoch.Add(time.Second)
	j.Push(jbPacket(3), t1)
	j.Push(jbPacket(4), t1.Add(10*time.Millisecond))
	if d := j.NextDeadline(); !d.Equal(t1.Add(100 * time.Millisecond)) {
		t.Fatalf("hole: deadline %v, want %v", d, t1.Add(100*time.Millisecond))
	}
	t2 := t1.Add(20 * time.Millisecond)
	j.Push(jbPacket(5), t2)
	if d := j.NextDeadline(); !d.Equal(t2) {
		t.Fatalf("over capacity: deadline %v, want the last push %v", d, t2)
	}
}

// TestJitterBufferLongRun pushes a long stream with reordering, loss and
// duplicates and checks the order, the counters and that the buffer's
// memory stays bounded.
func TestJitterBufferLongRun(t *testing.T) {
	const n = 200_000
	rng := rand.New(rand.NewPCG(1, 2))
	j := New(50*time.Millisecond, 64)
	now := jbEpoch
	var released []uint16
	pop := func() {
		for {
			pkts, _ := j.Pop(now)
			if len(pkts) == 0 {
				return
			}
			released = append(released, jbSeqs(pkts)...)
		}
	}
	sent, seq := 0, uint16(60000)
	for sent < n {
		now = now.Add(time.Millisecond)
		switch r := rng.IntN(100); {
		case r < 2: // lost
		case r < 4: // swapped with the next one
			j.Push(jbPacket(seq+1), now)
			j.Push(jbPacket(seq), now)
			seq++
			sent++
		case r < 5: // duplicated
			j.Push(jbPacket(seq), now)
			j.Push(jbPacket(seq), now)
		default:
			j.Push(jbPacket(seq), now)
		}
		seq++
		sent++
		pop()
	}
	j.Push(jbPacket(seq), now) // so that no loss is left at the end
	sent++
	flushed, _ := j.Flush()
	released = append(released, jbSeqs(flushed)...)
	for i := 1; i < len(released); i++ {
		if d := int16(released[i] - released[i-1]); d <= 0 {
			t.Fatalf("released %d after %d", released[i], released[i-1])
		}
	}
	s := j.Stats()
	if got := uint64(len(released)) + s.Lost; got != uint64(sent) {
		t.Errorf("released %d + lost %d = %d, want %d sent", len(released), s.Lost, got, sent)
	}
	if s.Resyncs != 0 || s.Late != 0 || s.Recovered == 0 || s.Duplicates == 0 {
		t.Errorf("unexpected stats %+v", s)
	}
	if len(j.arrival) > 4*len(j.slots) {
		t.Errorf("arrival queue grew to %d entries", len(j.arrival))
	}
}

func BenchmarkJitterBuffer(b *testing.B) {
	j := New(50*time.Millisecond, 512)
	pkts := make([]*rtp.Packet, 1<<16)
	for i := range pkts {
		pkts[i] = jbPacket(uint16(i))
	}
	now := jbEpoch
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seq := uint16(i) ^ 1 // pairs swapped
		j.Push(pkts[seq], now)
		j.Pop(now)
	}
}

// encodeJitterCase encodes a case as a fuzz input: the capacity less one,
// the latency in ms, then per op its kind, sequence number and delay.
func encodeJitterCase(c jbCase) []byte {
	b := []byte{byte(c.capacity - 1), c.latencyMs}
	for _, op := range c.ops {
		b = append(b, byte(op.kind), byte(op.seq>>8), byte(op.seq), op.afterMs)
	}
	return b
}

// adaptiveSeed is a case's fuzz input for an adaptive buffer (the top bit
// of the first byte set).
func adaptiveSeed(c jbCase) []byte {
	b := encodeJitterCase(c)
	b[0] |= 0x80
	return b
}

// decodeJitterOps decodes any fuzz input. Op kinds other than those of
// jbOpKind push a sequence number relative to the previous one (by the
// signed low byte), which makes reordering and duplicates likely.
func decodeJitterOps(b []byte) (capacity int, latency time.Duration, ops []jbOp) {
	if len(b) < 2 {
		return 1, 0, nil
	}
	capacity, latency = 1+int(b[0]%32), time.Duration(b[1])*time.Millisecond
	var last uint16
	for b = b[2:]; len(b) >= 4; b = b[4:] {
		op := jbOp{kind: jbOpKind(b[0] % 8), seq: uint16(b[1])<<8 | uint16(b[2]), afterMs: b[3]}
		switch op.kind {
		case jbPush, jbPop, jbPopDeadline, jbFlush:
		default:
			op.kind, op.seq = jbPush, last+uint16(int8(b[2]))
		}
		if op.kind == jbPush {
			last = op.seq
		}
		ops = append(ops, op)
	}
	return capacity, latency, ops
}

// jbChecker follows what a fuzzed jitter buffer released and checks its
// invariants.
type jbChecker struct {
	t        *testing.T
	j        *Buffer
	accepted map[*rtp.Packet]bool
	released map[*rtp.Packet]bool
	last     uint16
	have     bool
}

// check checks one Pop or Flush result: no packet released twice or
// without being accepted; contiguous packets within one Pop; a first packet
// that follows the last one released unless gap; increasing sequence
// numbers while the buffer never resynced.
func (c *jbChecker) check(pkts []*rtp.Packet, gap, flush bool) {
	for i, p := range pkts {
		if !c.accepted[p] || c.released[p] {
			c.t.Fatalf("packet %d released but not accepted, or twice", p.SequenceNumber)
		}
		c.released[p] = true
		switch {
		case !c.have:
		case i == 0 && !gap && p.SequenceNumber != c.last+1:
			c.t.Fatalf("released %d after %d without a gap", p.SequenceNumber, c.last)
		case i > 0 && !flush && p.SequenceNumber != c.last+1:
			c.t.Fatalf("one Pop released %d after %d", p.SequenceNumber, c.last)
		case c.j.Stats().Resyncs == 0 && int16(p.SequenceNumber-c.last) <= 0:
			c.t.Fatalf("released %d after %d", p.SequenceNumber, c.last)
		}
		c.last, c.have = p.SequenceNumber, true
	}
}

func FuzzJitterBuffer(f *testing.F) {
	for _, c := range jbCases {
		f.Add(encodeJitterCase(c))
		f.Add(adaptiveSeed(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		capacity, latency, ops := decodeJitterOps(data)
		j := New(latency, capacity)
		floor := min(DefaultFloor, latency)
		if len(data) > 0 && data[0]&0x80 != 0 {
			j = NewAdaptive(latency, 0, capacity) // the top bit: adaptive
		} else {
			floor = latency
		}
		c := &jbChecker{t: t, j: j, accepted: map[*rtp.Packet]bool{}, released: map[*rtp.Packet]bool{}}
		now := jbEpoch
		pushed := 0
		for _, op := range ops {
			now = now.Add(time.Duration(op.afterMs) * time.Millisecond)
			switch op.kind {
			case jbPush:
				p := jbPacket(op.seq)
				pushed++
				if j.Push(p, now) {
					c.accepted[p] = true
				}
			case jbPop:
				pkts, gap := j.Pop(now)
				c.check(pkts, gap, false)
				if d := j.NextDeadline(); len(pkts) == 0 && !d.IsZero() && !d.After(now) {
					t.Fatalf("Pop released nothing but the deadline %v is not after now %v", d, now)
				}
			case jbPopDeadline:
				d := j.NextDeadline()
				if d.IsZero() {
					continue
				}
				if d.After(now) {
					now = d
				}
				pkts, gap := j.Pop(now)
				if len(pkts) == 0 {
					t.Fatalf("Pop at the deadline %v released nothing", d)
				}
				c.check(pkts, gap, false)
			case jbFlush:
				pkts, gap := j.Flush()
				c.check(pkts, gap, true)
			}
			if h := j.Hold(); h < floor || h > latency {
				t.Fatalf("hold %v outside [%v, %v]", h, floor, latency)
			}
		}
		pkts, gap := j.Flush()
		c.check(pkts, gap, true)
		if d := j.NextDeadline(); !d.IsZero() {
			t.Fatalf("deadline %v after Flush", d)
		}
		s := j.Stats()
		if s.Received != uint64(pushed) {
			t.Fatalf("Received %d, pushed %d", s.Received, pushed)
		}
		if uint64(len(c.accepted)) != uint64(len(c.released))+s.Discarded {
			t.Fatalf("accepted %d, released %d + discarded %d", len(c.accepted), len(c.released), s.Discarded)
		}
	})
}

func ExampleBuffer() {
	j := New(100*time.Millisecond, 64)
	now := time.Unix(0, 0)
	for _, seq := range []uint16{1, 2, 4, 3, 6} {
		j.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}}, now)
	}
	for {
		pkts, gap := j.Pop(now.Add(time.Second))
		if len(pkts) == 0 {
			break
		}
		fmt.Println(jbSeqs(pkts), gap)
	}
	fmt.Printf("%+v\n", j.Stats())
	// Output:
	// [1 2 3 4] false
	// [6] true
	// {Received:5 Duplicates:0 Late:0 Lost:1 Recovered:1 Resyncs:0 Discarded:0}
}
