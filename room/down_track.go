package room

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

const (
	// slowWrite is how long an inline write may take before the
	// subscriber-track counts as slow; slowPause is how long a slow one
	// then writes from its own goroutine only.
	slowWrite = 5 * time.Millisecond
	slowPause = time.Second
)

// rtpWriter is where a subscriber-track's packets go: its
// TrackLocalStaticRTP, or a stand-in in tests.
type rtpWriter interface {
	WriteRTP(p *rtp.Packet) error
}

// downTrack forwards one published track to one subscriber through its own
// TrackLocalStaticRTP (track id = room track id, stream id = participant
// id), so a write reaches just that subscriber.
//
// It is pending from its AddTrack until the renegotiation carrying it is
// answered: packets queue up, seeded with the published track's GOP cache.
// On activation it writes a sender report and flushes the queue in order,
// then forwards live.
//
// On the steady path the publisher's read loop writes inline: when the
// track is active, its queue empty and no write in progress, push writes
// the packet itself instead of waking the track's goroutine (a goroutine
// hand-off per packet per subscriber otherwise). Anything else queues, and
// the track's own goroutine writes the queue in order, so a packet never
// overtakes a queued one. An inline write that takes longer than slowWrite
// sends the track to its queue for slowPause, so a slow subscriber holds
// the publisher (and its other subscribers) for one write at most, then
// only ever costs a queue push.
type downTrack struct {
	env    *env
	log    *slog.Logger
	src    *publishedTrack
	local  *webrtc.TrackLocalStaticRTP
	out    rtpWriter  // local, except in tests
	rtcp   rtcpWriter // the subscriber's PeerConnection
	errLog *logLimiter

	sender *webrtc.RTPSender // set by bind, before run starts
	ssrc   uint32

	packets, octets     atomic.Uint32 // sent, for sender reports (wrap as RTCP does)
	dropped, writeFails atomic.Uint64

	mu        sync.Mutex
	queue     *packetQueue
	active    bool          // set by run after the first sender report
	writing   bool          // a write (inline or from run) is in progress
	closed    bool          // no more writes
	slowUntil int64         // unix nanos: no inline writes before (0: none)
	notify    chan struct{} // 1-buffered: packets queued

	activate     chan struct{}
	activateOnce sync.Once
	done         chan struct{}
	closeOnce    sync.Once
}

func newDownTrack(src *publishedTrack, w rtcpWriter, log *slog.Logger) (*downTrack, error) {
	local, err := webrtc.NewTrackLocalStaticRTP(src.capa, src.id, src.owner.id)
	if err != nil {
		return nil, fmt.Errorf("local track for %s: %w", src.id, err)
	}
	d := newDownTrackTo(src, local, w, log)
	d.local = local
	return d, nil
}

// newDownTrackTo builds a subscriber-track that writes to out.
func newDownTrackTo(src *publishedTrack, out rtpWriter, w rtcpWriter, log *slog.Logger) *downTrack {
	return &downTrack{
		env: src.env, log: log.With("track", src.id), src: src, out: out, rtcp: w,
		errLog: newLogLimiter(src.env.logEvery),
		queue:  newPacketQueue(pendingQueueLimit, src.video()),
		notify: make(chan struct{}, 1), activate: make(chan struct{}), done: make(chan struct{}),
	}
}

// bind records the sender AddTrack returned.
func (d *downTrack) bind(s *webrtc.RTPSender) {
	d.sender = s
	if enc := s.GetParameters().Encodings; len(enc) > 0 {
		d.ssrc = uint32(enc[0].SSRC)
	}
}

// seed fills the pending queue with the published track's cache.
func (d *downTrack) seed(ps []fwdPacket) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range ps {
		d.dropped.Add(uint64(d.queue.push(p)))
	}
}

// push writes one packet inline when the steady path allows it (see
// downTrack), else queues it without blocking. Only the publisher's read
// loop pushes, one packet at a time.
func (d *downTrack) push(p fwdPacket) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	if d.inlineLocked() {
		d.writing = true
		d.mu.Unlock()
		d.writeInline(p)
		return
	}
	dropped := d.queue.push(p)
	d.mu.Unlock()
	if dropped > 0 {
		d.overflow(dropped)
	}
	d.wake()
}

// inlineLocked reports whether push may write itself; d.mu is held.
func (d *downTrack) inlineLocked() bool {
	if !d.active || d.writing || d.queue.len() > 0 {
		return false
	}
	return d.slowUntil == 0 || d.env.now().UnixNano() >= d.slowUntil
}

// writeInline writes p on the publisher's goroutine, then hands anything
// queued meanwhile to run.
func (d *downTrack) writeInline(p fwdPacket) {
	start := d.env.now()
	d.write(p)
	end := d.env.now()
	d.mu.Lock()
	d.writing = false
	if end.Sub(start) > slowWrite {
		d.slowUntil = end.Add(slowPause).UnixNano()
	}
	queued := d.queue.len() > 0
	d.mu.Unlock()
	if queued {
		d.wake()
	}
}

func (d *downTrack) wake() {
	select {
	case d.notify <- struct{}{}:
	default:
	}
}

func (d *downTrack) overflow(n int) {
	total := d.dropped.Add(uint64(n))
	d.errLog.log(d.log, d.env.now(), slog.LevelWarn, "subscriber queue full, dropped packets", "dropped", total)
	d.src.requestKeyframe()
}

// markActive is called once the renegotiation carrying the track is
// answered and applied.
func (d *downTrack) markActive() {
	d.activateOnce.Do(func() { close(d.activate) })
}

func (d *downTrack) close() {
	d.closeOnce.Do(func() {
		d.mu.Lock()
		d.closed = true
		d.mu.Unlock()
		close(d.done)
	})
}

// run writes the queue once active, and a sender report every period.
func (d *downTrack) run() {
	ticker := time.NewTicker(d.env.srPeriod)
	defer ticker.Stop()
	activate, active := d.activate, false
	for {
		select {
		case <-d.done:
			return
		case <-activate:
			activate, active = nil, true
			d.sendReport()
			d.mu.Lock()
			d.active = true
			d.mu.Unlock()
			d.drain()
		case <-d.notify:
			if active {
				d.drain()
			}
		case <-ticker.C:
			if active {
				d.sendReport()
			}
		}
	}
}

// drain writes the queue in order. It leaves the queue to an inline write
// in progress, which wakes run again when it ends.
func (d *downTrack) drain() {
	d.mu.Lock()
	for !d.writing && !d.closed {
		p, ok := d.queue.pop()
		if !ok {
			break
		}
		d.writing = true
		d.mu.Unlock()
		d.write(p)
		d.mu.Lock()
		d.writing = false
	}
	d.mu.Unlock()
}

func (d *downTrack) write(p fwdPacket) {
	if err := d.out.WriteRTP(paddingOnWire(p.pkt)); err != nil {
		d.writeFailed("write rtp", err)
		return
	}
	d.packets.Add(1)
	d.octets.Add(uint32(len(p.pkt.Payload)))
}

// sendReport writes an RTCP sender report (RFC 3550 section 6.4.1) that puts
// the track on the SFU's wall clock.
func (d *downTrack) sendReport() {
	ntp, rtpTime, ok := d.src.clock.at(d.env.now())
	if !ok {
		return
	}
	sr := &rtcp.SenderReport{
		SSRC: d.ssrc, NTPTime: ntp, RTPTime: rtpTime,
		PacketCount: d.packets.Load(), OctetCount: d.octets.Load(),
	}
	if err := d.rtcp.WriteRTCP([]rtcp.Packet{sr}); err != nil {
		d.writeFailed("write sender report", err)
	}
}

func (d *downTrack) writeFailed(what string, err error) {
	if errors.Is(err, io.ErrClosedPipe) {
		return
	}
	total := d.writeFails.Add(1)
	d.errLog.log(d.log, d.env.now(), slog.LevelWarn, what, "err", err, "failures", total)
}

// readRTCP reads the subscriber's RTCP for this track, which feeds pion's
// NACK responder, and forwards keyframe requests to the publisher.
func (d *downTrack) readRTCP() {
	read := func(b []byte) (int, error) {
		n, _, err := d.sender.Read(b)
		return n, err
	}
	readLoop(read, d.onRTCP, func(err error) { d.badRTCP("read rtcp", err) })
}

func (d *downTrack) onRTCP(raw []byte) {
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		d.badRTCP("parse rtcp", err)
		return
	}
	for _, p := range pkts {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			d.src.requestKeyframe()
		}
	}
}

func (d *downTrack) badRTCP(what string, err error) {
	d.errLog.log(d.log, d.env.now(), slog.LevelWarn, what, "err", err)
}
