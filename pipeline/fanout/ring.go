package fanout

import "github.com/roomcast/roomcast/pipeline/media"

// ring is a fixed-capacity FIFO of units. It is not safe for concurrent
// use: Reader guards it with its mutex.
type ring struct {
	buf  []*media.Unit
	head int // index of the oldest unit
	n    int // units held
}

func newRing(size int) ring {
	return ring{buf: make([]*media.Unit, size)}
}

func (q *ring) len() int   { return q.n }
func (q *ring) full() bool { return q.n == len(q.buf) }

// push appends u. The caller checks that the ring is not full.
func (q *ring) push(u *media.Unit) {
	i := q.head + q.n
	if i >= len(q.buf) {
		i -= len(q.buf)
	}
	q.buf[i] = u
	q.n++
}

// pop removes and returns the oldest unit.
func (q *ring) pop() (*media.Unit, bool) {
	if q.n == 0 {
		return nil, false
	}
	u := q.buf[q.head]
	q.buf[q.head] = nil
	q.head++
	if q.head == len(q.buf) {
		q.head = 0
	}
	q.n--
	return u, true
}

// clear empties the ring and returns how many units it held. It releases
// the units for the garbage collector, so it costs O(units held): at most
// one step per unit pushed.
func (q *ring) clear() int {
	n := q.n
	for ; q.n > 0; q.n-- {
		q.buf[q.head] = nil
		q.head++
		if q.head == len(q.buf) {
			q.head = 0
		}
	}
	q.head = 0
	return n
}
