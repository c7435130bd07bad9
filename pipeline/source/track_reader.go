package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Per-track limits.
const (
	// maxHold bounds how long frames wait for the first sender report
	// before the track falls back to arrival-time mapping.
	maxHold = 2 * time.Second
	// maxHeldFrames bounds how many frames wait for the first sender report.
	maxHeldFrames = 500
	// pliInterval is the least time between two PLIs of one track.
	pliInterval = 500 * time.Millisecond
	// logInterval is the least time between two malformed-packet logs.
	logInterval = time.Second
	// jitterCapacity is the jitter buffer size in packets.
	jitterCapacity = 1024
	// maxReadErrors ends a read loop after that many errors in a row that
	// were not a close: a stream that only errors is as good as closed.
	maxReadErrors = 1000
	// minWait keeps the timer from spinning on a deadline already past.
	minWait = time.Millisecond
	// leaveGrace bounds how long a track the server no longer announces is
	// still read, for the packets already on their way, before its stream
	// closes.
	leaveGrace = 2 * time.Second
)

// rtpReader is what a trackReader reads RTP from (*webrtc.TrackRemote).
type rtpReader interface {
	ReadRTP() (*rtp.Packet, interceptor.Attributes, error)
}

// rtcpReader is what a trackReader reads RTCP from (*webrtc.RTPReceiver).
type rtcpReader interface {
	ReadRTCP() ([]rtcp.Packet, interceptor.Attributes, error)
}

// senderReport is the part of an RTCP sender report the clock needs.
type senderReport struct {
	ntp     uint64
	rtpTime uint32
}

// readerEnv is what a trackReader shares with its Ingest.
type readerEnv struct {
	handler   Handler
	log       *slog.Logger
	common    *commonClock
	latency   time.Duration
	writeRTCP func([]rtcp.Packet) error // sends PLIs to the publisher
	spawn     func(func())              // runs a goroutine the Ingest waits for
	now       func() time.Time
}

// trackReader turns one remote track's RTP into units: it reorders packets
// in a JitterBuffer (its latency gives NACK retransmissions time to
// arrive), depacketizes them into frames, keeps a video decode chain whole
// by dropping frames after a loss until a keyframe (asking for one with
// PLIs), and times frames with the track's RTCP sender reports, dropping
// those whose timestamps jump (timestampGuard).
//
// The Handler sees TrackAdded, then Units in PTS order, then TrackRemoved,
// all from the reader's goroutine.
type trackReader struct {
	env    readerEnv
	track  media.Track
	ssrc   uint32
	rtpIn  rtpReader
	rtcpIn rtcpReader
	stats  *trackCounters

	leaveCh   chan struct{} // closed by leave
	leaveOnce sync.Once
	leaveBy   time.Time // end of the grace after leave

	jitter *JitterBuffer
	dep    Depacketizer
	clock  *trackClock

	first    time.Time // arrival of the first packet
	firstTS  uint32
	received bool
	pending  []heldFrame // frames waiting for the first sender report
	guard    timestampGuard
	waitKey  bool // video: drop frames until a keyframe
	lastPLI  time.Time
	lastLog  time.Time
}

func newTrackReader(t media.Track, ssrc uint32, rtpIn rtpReader, rtcpIn rtcpReader, env readerEnv) (*trackReader, error) {
	dep, err := NewDepacketizer(t.Codec)
	if err != nil {
		return nil, fmt.Errorf("track %s: %w", t.ID, err)
	}
	return &trackReader{
		env:     env,
		track:   t,
		ssrc:    ssrc,
		rtpIn:   rtpIn,
		rtcpIn:  rtcpIn,
		stats:   &trackCounters{},
		leaveCh: make(chan struct{}),
		jitter:  NewJitterBuffer(env.latency, jitterCapacity),
		dep:     dep,
		clock:   newTrackClock(t.ClockRate),
	}, nil
}

// leave tells the reader that the server no longer carries the track: it
// reads on until the stream closes (pion stops the receiver when the
// renegotiation that removes the track is applied), at most leaveGrace.
// Safe from any goroutine.
func (r *trackReader) leave() {
	r.leaveOnce.Do(func() { close(r.leaveCh) })
}

// run delivers the track until ctx is done, its RTP stream ends, or
// leaveGrace after leave.
func (r *trackReader) run(ctx context.Context) {
	r.stats.active.Store(true)
	r.env.handler.TrackAdded(&r.track)
	defer r.finish()

	done := make(chan struct{})
	defer close(done)
	pkts := make(chan *rtp.Packet, 256)
	srs := make(chan senderReport, 8)
	r.env.spawn(func() { r.readRTP(pkts, done) })
	r.env.spawn(func() { r.readRTCP(srs, done) })

	if r.track.Kind == media.KindVideo {
		r.waitKey = true
		r.requestPLI(r.env.now())
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	leave := r.leaveCh
	for {
		r.resetTimer(timer)
		select {
		case <-ctx.Done():
			return
		case p, ok := <-pkts:
			if !ok {
				return
			}
			r.onPacket(p)
		case sr := <-srs:
			r.onSenderReport(sr)
		case <-leave:
			leave, r.leaveBy = nil, r.env.now().Add(leaveGrace)
		case <-timer.C:
			if r.onTimer() {
				return
			}
		}
	}
}

// finish delivers what the jitter buffer and the clock still hold, then
// reports the track removed.
func (r *trackReader) finish() {
	now := r.env.now()
	pkts, gap := r.jitter.Flush()
	r.process(pkts, gap, now)
	r.stats.setJitter(r.jitter.Stats())
	if len(r.pending) > 0 {
		r.fallback(now)
	}
	r.stats.active.Store(false)
	r.env.handler.TrackRemoved(&r.track)
}

func (r *trackReader) onPacket(p *rtp.Packet) {
	now := r.env.now()
	r.stats.packets.Add(1)
	if !r.received {
		r.first, r.firstTS, r.received = now, p.Timestamp, true
	}
	r.jitter.Push(p, now)
	r.pop(now)
}

// onTimer handles the deadlines; it reports whether the leave grace is
// over.
func (r *trackReader) onTimer() bool {
	now := r.env.now()
	r.pop(now)
	if !r.clock.synced() && r.received && !now.Before(r.first.Add(maxHold)) {
		r.fallback(now)
	}
	if r.waitKey {
		r.requestPLI(now)
	}
	return !r.leaveBy.IsZero() && !now.Before(r.leaveBy)
}

func (r *trackReader) onSenderReport(sr senderReport) {
	if r.clock.source == clockArrival {
		r.env.log.Info("sender report arrived; timing by sender reports from now on")
	}
	r.clock.senderReport(sr.ntp, sr.rtpTime)
	r.release()
}

// resetTimer arms the timer for the earliest of: the jitter buffer's next
// release, the end of the wait for a sender report, the next PLI, the end
// of the leave grace.
func (r *trackReader) resetTimer(t *time.Timer) {
	d := earliest(r.jitter.NextDeadline(), r.leaveBy)
	if !r.clock.synced() && r.received {
		d = earliest(d, r.first.Add(maxHold))
	}
	if r.waitKey {
		d = earliest(d, r.lastPLI.Add(pliInterval))
	}
	if d.IsZero() {
		t.Stop()
		return
	}
	t.Reset(max(d.Sub(r.env.now()), minWait))
}

// earliest returns the earlier of two deadlines; zero means none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// pop hands on every packet the jitter buffer releases at now (one call
// stops at each gap, so it is called until it releases nothing).
func (r *trackReader) pop(now time.Time) {
	for {
		pkts, gap := r.jitter.Pop(now)
		if len(pkts) == 0 {
			break
		}
		r.process(pkts, gap, now)
	}
	r.stats.setJitter(r.jitter.Stats())
}

// process depacketizes in-order packets. gap means the jitter buffer gave
// up on lost packets before pkts[0]; a sequence jump inside pkts (Flush
// skips several gaps at once) is a gap too.
func (r *trackReader) process(pkts []*rtp.Packet, gap bool, now time.Time) {
	for i, p := range pkts {
		if gap || (i > 0 && p.SequenceNumber != pkts[i-1].SequenceNumber+1) {
			r.breakChain(now)
			gap = false
		}
		frames, err := r.dep.Push(p)
		if err != nil {
			r.malformed(err, now)
		}
		for _, f := range frames {
			r.frame(f, now)
		}
	}
}

// breakChain resets the depacketizer after a loss; for video the frames
// that follow cannot be decoded until a keyframe, so it waits for one and
// asks the publisher for it.
func (r *trackReader) breakChain(now time.Time) {
	r.dep.Reset()
	if r.track.Kind != media.KindVideo {
		return
	}
	r.waitKey = true
	r.requestPLI(now)
}

// requestPLI sends a picture loss indication (RFC 4585 section 6.3.1),
// at most one per pliInterval.
func (r *trackReader) requestPLI(now time.Time) {
	if !r.lastPLI.IsZero() && now.Sub(r.lastPLI) < pliInterval {
		return
	}
	r.lastPLI = now
	err := r.env.writeRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: r.ssrc}})
	if err != nil {
		r.env.log.Debug("send PLI", "err", err)
		return
	}
	r.stats.plis.Add(1)
}

func (r *trackReader) malformed(err error, now time.Time) {
	n := r.stats.malformed.Add(1)
	if now.Sub(r.lastLog) < logInterval {
		return
	}
	r.lastLog = now
	r.env.log.Warn("malformed packet", "err", err, "malformed_total", n)
}

func (r *trackReader) frame(f Frame, now time.Time) {
	if r.waitKey {
		if !f.Key {
			r.stats.dropped.Add(1)
			return
		}
		r.waitKey = false
	}
	if !r.clock.synced() {
		r.hold(f, now)
		return
	}
	r.deliver(f, now)
}

// heldFrame is a frame waiting for the first sender report.
type heldFrame struct {
	Frame
	at time.Time // when it was depacketized
}

// hold keeps a frame until the first sender report, falling back to
// arrival time when too many wait.
func (r *trackReader) hold(f Frame, now time.Time) {
	r.pending = append(r.pending, heldFrame{Frame: f, at: now})
	if len(r.pending) >= maxHeldFrames {
		r.fallback(now)
	}
}

// fallback times the track by the arrival of its first packet, since no
// sender report came in time.
func (r *trackReader) fallback(now time.Time) {
	r.env.log.Warn("no RTCP sender report; timing by packet arrival",
		"waited", now.Sub(r.first).Round(time.Millisecond), "held_frames", len(r.pending))
	r.clock.arrival(r.first, r.firstTS)
	r.release()
}

// release delivers the frames held for the clock.
func (r *trackReader) release() {
	for _, f := range r.pending {
		r.deliver(f.Frame, f.at)
	}
	r.pending = nil
}

// deliver hands a frame that arrived at to the Handler, unless its
// timestamp jumped.
func (r *trackReader) deliver(f Frame, at time.Time) {
	if !r.timely(f, at) {
		return
	}
	pts := r.clock.pts(f.RTPTime, r.env.common)
	key := f.Key || r.track.Kind == media.KindAudio
	r.stats.frames.Add(1)
	if key {
		r.stats.keyframes.Add(1)
	}
	r.env.handler.Unit(&media.Unit{Track: &r.track, PTS: pts, DTS: pts, Key: key, Data: f.Data, Arrival: at})
}

// timely runs a frame past the timestamp guard. A frame it drops is taken
// for a stray, like a packet far off the sequence (see JitterBuffer): the
// decode chain goes on without it. After a resync the frames before were
// real and lost, so video waits for a keyframe.
func (r *trackReader) timely(f Frame, at time.Time) bool {
	switch r.guard.check(r.clock.wallTime(f.RTPTime).Sub(at), at) {
	case guardDrop:
		n := r.stats.badTimestamps.Add(1)
		if at.Sub(r.lastLog) >= logInterval {
			r.lastLog = at
			r.env.log.Warn("dropped a frame whose timestamp jumped", "rtp_time", f.RTPTime, "bad_timestamps_total", n)
		}
		return false
	case guardResync:
		r.env.log.Warn("timestamps jumped for good; timing by arrival until the next sender report", "rtp_time", f.RTPTime)
		r.clock.rebase(at, f.RTPTime)
		if r.track.Kind == media.KindVideo && !f.Key {
			r.stats.dropped.Add(1)
			r.waitKey = true
			r.requestPLI(at)
			return false
		}
	}
	return true
}

// readRTP feeds pkts until the stream closes; it closes pkts. A packet
// pion cannot parse counts as malformed.
func (r *trackReader) readRTP(pkts chan<- *rtp.Packet, done <-chan struct{}) {
	defer close(pkts)
	for fails := 0; fails < maxReadErrors; {
		p, _, err := r.rtpIn.ReadRTP()
		if err != nil {
			if closed(err) {
				return
			}
			fails++
			r.stats.malformed.Add(1)
			continue
		}
		fails = 0
		select {
		case pkts <- p:
		case <-done:
			return
		}
	}
	r.env.log.Warn("RTP stream gives only errors; stopped reading it")
}

// readRTCP drains the receiver's RTCP, so that the interceptors (receiver
// reports) see it, and passes on this track's sender reports.
func (r *trackReader) readRTCP(srs chan<- senderReport, done <-chan struct{}) {
	for fails := 0; fails < maxReadErrors; {
		pkts, _, err := r.rtcpIn.ReadRTCP()
		if err != nil {
			if closed(err) {
				return
			}
			fails++
			continue
		}
		fails = 0
		if !r.passReports(pkts, srs, done) {
			return
		}
	}
}

// passReports sends the sender reports for this track's SSRC; false once
// done is closed.
func (r *trackReader) passReports(pkts []rtcp.Packet, srs chan<- senderReport, done <-chan struct{}) bool {
	for _, p := range pkts {
		sr, ok := p.(*rtcp.SenderReport)
		if !ok || sr.SSRC != r.ssrc {
			continue
		}
		select {
		case srs <- senderReport{ntp: sr.NTPTime, rtpTime: sr.RTPTime}:
		case <-done:
			return false
		}
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// closed reports whether a read error means the stream is gone.
func closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed)
}
