// Package jitter reorders the RTP packets of one track by sequence number
// (RFC 3550 appendix A.1 unwrapping) and waits a bounded time for the
// missing ones, the time NACK retransmissions (RFC 4585) need to arrive:
// a fixed latency (New), or a hold that follows how long holes take to
// fill (NewAdaptive, NewForTrack).
package jitter

import (
	"math/bits"
	"time"

	"github.com/pion/rtp"
)

// Jitter buffer capacity bounds. The window of sequence numbers the buffer
// can hold is twice the capacity rounded up to a power of two, and must stay
// well below half the 16-bit sequence space for unwrapping to be unambiguous.
const (
	defaultJitterCapacity = 512
	maxJitterCapacity     = 8192
)

// Stats are the counters of a Buffer since its creation.
type Stats struct {
	// Received counts every packet pushed.
	Received uint64
	// Duplicates counts packets dropped because the same sequence number is
	// waiting or was just released.
	Duplicates uint64
	// Late counts packets dropped because their slot was already released
	// or skipped.
	Late uint64
	// Lost counts the missing sequence numbers that a timeout or overflow
	// skipped.
	Lost uint64
	// Recovered counts packets that filled a hole: they arrived after a
	// later sequence number had already arrived (reordering or a NACK
	// retransmission).
	Recovered uint64
	// Resyncs counts restarts on a new sequence number, when two close
	// packets arrive far outside the window (a jump forward by more than
	// the window, or far back: a stream restart). The jump is not counted
	// as Lost.
	Resyncs uint64
	// Discarded counts stray packets far outside the window that no
	// second packet confirmed as a resync.
	Discarded uint64
}

// jitterSlot holds the packet of one extended sequence number in the ring.
type jitterSlot struct {
	ext      uint64
	pkt      *rtp.Packet
	held     bool      // pkt waits to be released
	released bool      // ext was released (to tell duplicates from late packets)
	skipped  bool      // ext was given up on; its hole began at since
	since    time.Time // skipped: when the hole began; else when pkt arrived
}

// jitterArrival is one entry of the arrival-order queue.
type jitterArrival struct {
	ext uint64
	at  time.Time
}

// jitterSegment is a run of packets drained by a resync, waiting for Pop.
type jitterSegment struct {
	pkts []*rtp.Packet
	gap  bool
}

// Buffer reorders the RTP packets of one track by sequence number. It
// waits up to latency for a missing packet (time for NACK retransmission),
// then skips the gap and counts the missing packets as lost.
//
// Sequence numbers are unwrapped (RFC 3550 appendix A.1) to 64-bit extended
// numbers relative to the next one to release. Packets are kept in a ring
// indexed by extended sequence number, and in a queue in arrival order whose
// head gives the next deadline, so every operation is amortized O(1) per
// packet. A Buffer is not safe for concurrent use.
type Buffer struct {
	latency  time.Duration
	adapt    *jitterHold // nil: the hold is latency
	capacity int
	mask     uint64

	slots   []jitterSlot
	arrival []jitterArrival // arrival order; entries of released packets are skipped lazily
	head    int             // first live entry of arrival
	count   int             // packets held in slots
	pending []jitterSegment // runs drained by a resync, released first

	started  bool
	next     uint64 // extended sequence number of the next packet to release
	highest  uint64 // highest extended sequence number received since the last resync
	gap      bool   // a gap precedes the next packet released
	lastPush time.Time

	stray   *rtp.Packet // a packet far outside the window, maybe a resync
	strayAt time.Time

	stats Stats
}

// New returns a buffer that waits up to latency for a missing
// packet and holds about capacity packets (a default when capacity <= 0,
// clamped to 8192).
func New(latency time.Duration, capacity int) *Buffer {
	if capacity <= 0 {
		capacity = defaultJitterCapacity
	}
	capacity = min(capacity, maxJitterCapacity)
	size := 1 << bits.Len(uint(2*capacity-1))
	return &Buffer{
		latency:  latency,
		capacity: capacity,
		mask:     uint64(size - 1),
		slots:    make([]jitterSlot, size),
	}
}

// NewAdaptive returns a buffer whose wait for a missing
// packet follows how long holes take to fill (reordering, and the round
// trip a NACK retransmission needs), between floor (DefaultFloor
// when <= 0) and maxLatency; see Hold. With no hole it releases packets as
// they come, like any Buffer.
func NewAdaptive(maxLatency, floor time.Duration, capacity int) *Buffer {
	if floor <= 0 {
		floor = DefaultFloor
	}
	j := New(maxLatency, capacity)
	j.adapt = newJitterHold(floor, maxLatency)
	return j
}

// Hold is how long the buffer now waits for a missing packet: the
// latency of New; for an adaptive buffer, the time holes have
// been taking to fill, twice over and 20 ms, within its floor and
// maximum, starting at the maximum until a first hole has filled or been
// given up on, and halved whenever two holes in a row were given up on
// with nothing coming back.
func (j *Buffer) Hold() time.Duration {
	if j.adapt == nil {
		return j.latency
	}
	return j.adapt.hold()
}

// SetRTT tells an adaptive buffer the round trip time to the sender, when
// the caller knows it (RTCP): the hold is then at least 1.5 RTT + 20 ms,
// the time a NACK and its retransmission need. 0 means unknown. A buffer
// of fixed latency ignores it.
func (j *Buffer) SetRTT(rtt time.Duration) {
	if j.adapt != nil {
		j.adapt.setRTT(rtt)
	}
}

// Arrival returns when the packet of sequence number seq, among the
// last released (about capacity of them), was pushed; zero when it is not
// one of them.
func (j *Buffer) Arrival(seq uint16) time.Time {
	delta := int(int16(seq - uint16(j.next)))
	if delta >= 0 || -delta > j.window() {
		return time.Time{}
	}
	ext := j.next + uint64(int64(delta))
	if s := &j.slots[ext&j.mask]; s.released && s.ext == ext {
		return s.since
	}
	return time.Time{}
}

// Stats returns the counters since creation.
func (j *Buffer) Stats() Stats { return j.stats }

// window is the number of extended sequence numbers the ring can hold.
func (j *Buffer) window() int { return len(j.slots) }

// Push inserts a packet received at now. Duplicates, and packets older than
// the last released one, are dropped and counted (it returns false). A packet
// far outside the window is held aside: a second one close to it makes the
// buffer resync on them, else it is discarded.
func (j *Buffer) Push(p *rtp.Packet, now time.Time) bool {
	if p == nil {
		return false
	}
	j.stats.Received++
	j.lastPush = now
	if !j.started {
		j.started = true
		j.next = 1<<32 | uint64(p.SequenceNumber)
		j.highest = j.next - 1
	}
	delta := int(int16(p.SequenceNumber - uint16(j.next)))
	switch {
	case delta >= 0 && delta < j.window():
		j.dropStray()
		return j.insert(p, now, j.next+uint64(delta))
	case delta < 0 && -delta <= j.window():
		j.dropStray()
		return j.late(j.next+uint64(int64(delta)), now)
	default:
		return j.far(p, now)
	}
}

// insert stores a packet of the window, unless it is a duplicate.
func (j *Buffer) insert(p *rtp.Packet, now time.Time, ext uint64) bool {
	s := &j.slots[ext&j.mask]
	if s.held && s.ext == ext {
		j.stats.Duplicates++
		return false
	}
	if int64(ext-j.highest) < 0 {
		j.stats.Recovered++
		if j.adapt != nil && j.count > 0 {
			j.adapt.filled(now.Sub(j.oldest()))
		}
	}
	*s = jitterSlot{ext: ext, pkt: p, held: true, since: now}
	j.count++
	if int64(ext-j.highest) >= 0 {
		j.highest = ext
	}
	j.pushArrival(jitterArrival{ext: ext, at: now})
	return true
}

// late drops a packet behind the next one to release. (A stream that
// restarted a little behind us thus catches up within one window.)
func (j *Buffer) late(ext uint64, now time.Time) bool {
	s := &j.slots[ext&j.mask]
	switch {
	case s.released && s.ext == ext:
		j.stats.Duplicates++
	case s.skipped && s.ext == ext && j.adapt != nil:
		j.stats.Late++
		j.adapt.filled(now.Sub(s.since))
		s.skipped = false
	default:
		j.stats.Late++
	}
	return false
}

// far handles a packet too far from the window to be a reordered one: the
// first is held aside; a second one close to it confirms a resync.
func (j *Buffer) far(p *rtp.Packet, now time.Time) bool {
	if j.stray == nil {
		j.stray, j.strayAt = p, now
		return true
	}
	d := int(int16(p.SequenceNumber - j.stray.SequenceNumber))
	switch {
	case d == 0:
		j.stats.Duplicates++
		return false
	case d >= j.window() || -d >= j.window():
		j.stats.Discarded++
		j.stray, j.strayAt = p, now
		return true
	}
	stray, strayAt := j.stray, j.strayAt
	j.stray = nil
	first := stray.SequenceNumber
	if d < 0 {
		first = p.SequenceNumber
	}
	j.resync(first)
	j.insert(stray, strayAt, j.next+uint64(stray.SequenceNumber-first))
	return j.insert(p, now, j.next+uint64(p.SequenceNumber-first))
}

// dropStray discards a packet held aside that no resync confirmed.
func (j *Buffer) dropStray() {
	if j.stray != nil {
		j.stray = nil
		j.stats.Discarded++
	}
}

// resync moves everything buffered to the pending runs, with their gaps,
// and restarts the window at sequence number first.
func (j *Buffer) resync(first uint16) {
	for j.count > 0 {
		run := j.releaseRun(nil)
		if len(run) == 0 {
			j.skipGap()
			continue
		}
		j.pending = append(j.pending, jitterSegment{pkts: run, gap: j.gap})
		j.gap = false
	}
	j.stats.Resyncs++
	j.next += uint64(int64(int16(first - uint16(j.next))))
	j.highest = j.next - 1
	j.gap = true
	j.arrival, j.head = j.arrival[:0], 0
}

// Pop releases, in sequence order, the packets that are ready at now: the
// contiguous run after the last released packet; when the oldest waiting
// packet has waited longer than latency (or the buffer holds more than
// capacity packets), it skips the gap before it, counts the missing packets
// as Lost and reports gap=true (the caller then resets its depacketizer).
//
// The packets returned by one call are contiguous, and gap=true means that
// the gap lies before pkts[0]. A further gap that is also due is left to the
// next call, so a caller should call Pop until it returns no packets.
func (j *Buffer) Pop(now time.Time) (pkts []*rtp.Packet, gap bool) {
	if len(j.pending) > 0 {
		seg := j.pending[0]
		j.pending[0] = jitterSegment{}
		j.pending = j.pending[1:]
		return seg.pkts, seg.gap
	}
	pkts = j.releaseRun(nil)
	if len(pkts) == 0 && j.count > 0 && j.due(now) {
		if j.adapt != nil {
			j.adapt.skipped()
		}
		j.skipGap()
		pkts = j.releaseRun(nil)
	}
	if len(pkts) == 0 {
		return nil, false
	}
	gap, j.gap = j.gap, false
	return pkts, gap
}

// Flush releases everything still buffered in order, skipping gaps (at
// track end); gap reports whether any was skipped. A stray packet held
// aside is discarded.
func (j *Buffer) Flush() (pkts []*rtp.Packet, gap bool) {
	for _, seg := range j.pending {
		pkts = append(pkts, seg.pkts...)
		gap = gap || seg.gap
	}
	j.pending = nil
	for j.count > 0 {
		pkts = j.releaseRun(pkts)
		if j.count > 0 {
			j.skipGap()
		}
	}
	gap = gap || j.gap
	j.gap = false
	j.dropStray()
	j.arrival, j.head = j.arrival[:0], 0
	return pkts, gap
}

// NextDeadline is when Pop would next release packets by timeout; zero when
// nothing waits. It is the last push time when packets are ready at once.
func (j *Buffer) NextDeadline() time.Time {
	switch {
	case len(j.pending) > 0, j.count > j.capacity, j.count > 0 && j.slots[j.next&j.mask].held:
		return j.lastPush
	case j.count == 0:
		return time.Time{}
	}
	return j.oldest().Add(j.Hold())
}

// due reports whether the gap at the head must be skipped at now.
func (j *Buffer) due(now time.Time) bool {
	return j.count > j.capacity || !now.Before(j.oldest().Add(j.Hold()))
}

// oldest returns the arrival time of the packet that has waited longest.
// It needs count > 0.
func (j *Buffer) oldest() time.Time {
	j.skipReleasedArrivals()
	return j.arrival[j.head].at
}

// pushArrival appends to the arrival queue. Entries of released packets are
// dropped from its head here and in oldest, and the queue is compacted when
// its dead head is at least half of it, so it stays within twice the window.
func (j *Buffer) pushArrival(a jitterArrival) {
	j.skipReleasedArrivals()
	if j.head > 0 && j.head >= len(j.arrival)/2 {
		n := copy(j.arrival, j.arrival[j.head:])
		j.arrival, j.head = j.arrival[:n], 0
	}
	j.arrival = append(j.arrival, a)
}

// skipReleasedArrivals moves the head of the arrival queue past the entries
// of packets no longer held.
func (j *Buffer) skipReleasedArrivals() {
	for j.head < len(j.arrival) {
		a := j.arrival[j.head]
		if s := &j.slots[a.ext&j.mask]; s.held && s.ext == a.ext {
			return
		}
		j.head++
	}
}

// releaseRun appends to pkts the contiguous packets from next on.
func (j *Buffer) releaseRun(pkts []*rtp.Packet) []*rtp.Packet {
	for j.count > 0 {
		s := &j.slots[j.next&j.mask]
		if !s.held || s.ext != j.next {
			break
		}
		pkts = append(pkts, s.pkt)
		*s = jitterSlot{ext: j.next, released: true, since: s.since}
		j.count--
		j.next++
	}
	return pkts
}

// skipGap moves next to the first held packet, counting the sequence
// numbers skipped as lost. It needs count > 0 and no packet held at next.
func (j *Buffer) skipGap() {
	since := j.oldest()
	for {
		s := &j.slots[j.next&j.mask]
		if s.held && s.ext == j.next {
			return
		}
		*s = jitterSlot{ext: j.next, skipped: true, since: since}
		j.stats.Lost++
		j.next++
		j.gap = true
	}
}
