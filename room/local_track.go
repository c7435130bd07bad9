package room

import (
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// localTrack hands one published track to an in-process subscriber (a job
// in the all-in-one server) with no WebRTC in between: the forwarding
// goroutine queues the packets in a bounded queue (dropping, and counting,
// the oldest when the subscriber is slow: for video up to the next
// keyframe, which it asks for), and the subscriber's ReadRTP takes them
// out. ReadRTCP gives the sender reports the room writes to its WebRTC
// subscribers, from the same clock.
type localTrack struct {
	env    *env
	log    *slog.Logger
	src    *publishedTrack
	errLog *logLimiter

	dropped atomic.Uint64

	mu      sync.Mutex
	queue   *packetQueue
	closed  bool
	lastTS  uint32 // of the last packet pushed
	lastSeq uint16 // of the last packet pushed
	lastEnd bool   // the last packet pushed ended its frame
	pushed  bool

	notify chan struct{} // 1-buffered: packets queued
	done   chan struct{}
	once   sync.Once

	// Owned by the ReadRTCP caller.
	srTimer *time.Timer
}

// newLocalTrack makes a local track. notify is signalled when packets
// are queued: its own channel when nil; a relay session passes one it
// shares between its tracks, drains them with drain, and never calls
// ReadRTP.
func newLocalTrack(src *publishedTrack, log *slog.Logger, notify chan struct{}) *localTrack {
	if notify == nil {
		notify = make(chan struct{}, 1)
	}
	return &localTrack{
		env: src.env, log: log.With("track", src.id), src: src, errLog: newLogLimiter(src.env.logEvery),
		queue:  newPacketQueue(pendingQueueLimit, src.video()),
		notify: notify, done: make(chan struct{}),
	}
}

func (t *localTrack) Info() rtc.TrackInfo { return t.src.signalInfo() }
func (t *localTrack) ClockRate() uint32   { return t.src.codec.ClockRate() }
func (t *localTrack) SSRC() uint32        { return t.src.ssrc }
func (t *localTrack) RequestKeyframe()    { t.src.requestKeyframe() }

// Dropped is how many packets the queue dropped because the subscriber
// was slow.
func (t *localTrack) Dropped() uint64 { return t.dropped.Load() }

// seed queues the published track's cache (packetSink).
func (t *localTrack) seed(ps []fwdPacket) {
	t.mu.Lock()
	for _, p := range ps {
		t.dropped.Add(uint64(t.queue.push(p)))
	}
	t.mu.Unlock()
	t.wake()
}

// push queues one packet without blocking (packetSink). It wakes the
// reader only when the packet may complete something for it (wakeFor).
func (t *localTrack) push(p fwdPacket) {
	t.mu.Lock()
	dropped := t.queue.push(p)
	wake := t.wakeFor(p.pkt) || dropped > 0
	t.lastTS, t.lastSeq, t.lastEnd, t.pushed = p.pkt.Timestamp, p.pkt.SequenceNumber, p.pkt.Marker, true
	t.mu.Unlock()
	if dropped > 0 {
		total := t.dropped.Add(uint64(dropped))
		t.errLog.log(t.log, t.env.now(), slog.LevelWarn, "local subscriber too slow, dropped packets", "dropped", total)
		t.src.requestKeyframe()
	}
	if wake {
		t.wake()
	}
}

// wakeBatch is the most packets queued before the reader is woken
// whatever they are.
const wakeBatch = 32

// wakeFor reports whether the reader should be woken for p, just queued:
// for audio always; for video when p ends a frame (its marker bit, RFC
// 3550 section 5.1, set on a frame's last packet by every video payload
// format carried), when it starts a frame while the last packet's frame
// had not ended (its last packet was lost or is late), when it is not the
// next in sequence (a retransmission the reader may be waiting for), or
// when wakeBatch packets wait. The reader can do nothing with the first
// packets of a frame before its last one, and a goroutine woken for each
// costs a job more than all it does with them. Called with t.mu held.
func (t *localTrack) wakeFor(p *rtp.Packet) bool {
	if !t.src.video() || !t.pushed || p.Marker || t.queue.len() >= wakeBatch {
		return true
	}
	return (p.Timestamp != t.lastTS && !t.lastEnd) || p.SequenceNumber != t.lastSeq+1
}

func (t *localTrack) wake() {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// close ends the track: ReadRTP gives what is queued, then io.EOF.
func (t *localTrack) close() {
	t.once.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		close(t.done)
	})
}

// drain appends every queued packet to ps without waiting.
func (t *localTrack) drain(ps []fwdPacket) []fwdPacket {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		p, ok := t.queue.pop()
		if !ok {
			return ps
		}
		ps = append(ps, p)
	}
}

// ReadRTP returns the next queued packet, waiting for one.
func (t *localTrack) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	for {
		t.mu.Lock()
		p, ok := t.queue.pop()
		closed := t.closed
		t.mu.Unlock()
		switch {
		case ok:
			return p.pkt, nil, nil
		case closed:
			return nil, nil, io.EOF
		}
		select {
		case <-t.notify:
		case <-t.done:
		}
	}
}

// ReadRTCP returns a sender report (RFC 3550 section 6.4.1) at once, then
// one every sender-report period, as downTrack writes them.
func (t *localTrack) ReadRTCP() ([]rtcp.Packet, interceptor.Attributes, error) {
	for {
		if t.srTimer == nil {
			t.srTimer = time.NewTimer(0)
		}
		select {
		case <-t.done:
			t.srTimer.Stop()
			return nil, nil, io.EOF
		case <-t.srTimer.C:
		}
		t.srTimer.Reset(t.env.srPeriod)
		if ntp, rtpTime, ok := t.src.clock.at(t.env.now()); ok {
			return []rtcp.Packet{&rtcp.SenderReport{SSRC: t.src.ssrc, NTPTime: ntp, RTPTime: rtpTime}}, nil, nil
		}
	}
}
