package room

// packetQueue is the bounded FIFO of one subscriber-track: the pending
// packets before its renegotiation is answered, then the packets not yet
// written. It grows on demand up to its limit. When full it drops the
// oldest packet; for video it then keeps dropping up to the next keyframe,
// since the frames in between cannot be decoded anyway. Not safe for
// concurrent use.
type packetQueue struct {
	buf   []fwdPacket // ring
	head  int
	n     int
	limit int
	video bool
}

const minQueueSize = 64

func newPacketQueue(limit int, video bool) *packetQueue {
	return &packetQueue{limit: limit, video: video}
}

// push appends p and returns how many packets were dropped to make room.
func (q *packetQueue) push(p fwdPacket) (dropped int) {
	if q.n == len(q.buf) {
		if len(q.buf) < q.limit {
			q.grow()
		} else {
			dropped = q.dropOldest()
		}
	}
	q.buf[(q.head+q.n)%len(q.buf)] = p
	q.n++
	return dropped
}

func (q *packetQueue) grow() {
	size := min(q.limit, max(minQueueSize, 2*len(q.buf)))
	buf := make([]fwdPacket, size)
	for i := range q.n {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}

func (q *packetQueue) dropOldest() int {
	q.pop()
	dropped := 1
	for q.video && q.n > 0 && !q.buf[q.head].key {
		q.pop()
		dropped++
	}
	return dropped
}

func (q *packetQueue) pop() (fwdPacket, bool) {
	if q.n == 0 {
		return fwdPacket{}, false
	}
	p := q.buf[q.head]
	q.buf[q.head] = fwdPacket{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return p, true
}

func (q *packetQueue) len() int { return q.n }
