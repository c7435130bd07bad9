package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/depacketizer"
	"github.com/roomcast/roomcast/pipeline/jitter"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtpclock"
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
	common    *rtpclock.Common
	latency   time.Duration
	writeRTCP func([]rtcp.Packet) error // sends PLIs to the publisher
	spawn     func(func())              // runs a goroutine the Ingest waits for
	now       func() time.Time
}

// errEnded stops a read loop: the track has had TrackRemoved.
var errEnded = errors.New("track ended")

// trackReader turns one remote track's RTP into units: it reorders packets
// in a jitter.Buffer (its latency gives NACK retransmissions time to
// arrive), depacketizes them into frames, keeps a video decode chain whole
// by dropping frames after a loss until a keyframe (asking for one with
// PLIs), and times frames with the track's RTCP sender reports, dropping
// those whose timestamps jump (rtpclock.Guard).
//
// One goroutine takes each packet from ReadRTP through the jitter buffer
// and the depacketizer to the Handler, with no hand-off to another
// goroutine. The rest comes in under the same lock, mu: the sender reports
// from the RTCP goroutine, and from timers that fire only when something is
// due (the jitter buffer's deadline, the wait for a sender report, PLI
// repeats, the end of the leave grace, the end of ctx). So the Handler sees
// TrackAdded, then Units in PTS order, then TrackRemoved, one call at a
// time.
type trackReader struct {
	env    readerEnv
	track  media.Track
	ssrc   uint32
	rtpIn  rtpReader
	rtcpIn rtcpReader
	stats  *trackCounters

	leaveOnce  sync.Once
	leaveTimer atomic.Pointer[time.Timer] // ends the track after leaveGrace

	// mu guards what follows and is held for every Handler call.
	mu      sync.Mutex
	running bool        // between TrackAdded and TrackRemoved
	timer   *time.Timer // runs onTimer
	armed   time.Time   // when timer fires; zero when it is not armed

	jitter *jitter.Buffer
	dep    depacketizer.Depacketizer
	clock  *rtpclock.Track

	first    time.Time // arrival of the first packet
	firstTS  uint32
	received bool
	pending  []heldFrame // frames waiting for the first sender report
	guard    rtpclock.Guard
	waitKey  bool // video: drop frames until a keyframe
	lastPLI  time.Time
	lastLog  time.Time
}

func newTrackReader(t media.Track, ssrc uint32, rtpIn rtpReader, rtcpIn rtcpReader, env readerEnv) (*trackReader, error) {
	dep, err := depacketizer.New(t.Codec)
	if err != nil {
		return nil, fmt.Errorf("track %s: %w", t.ID, err)
	}
	r := &trackReader{
		env:    env,
		track:  t,
		ssrc:   ssrc,
		rtpIn:  rtpIn,
		rtcpIn: rtcpIn,
		stats:  &trackCounters{},
		jitter: jitter.NewForTrack(t.Kind == media.KindVideo, env.latency, jitterCapacity),
		dep:    dep,
		clock:  rtpclock.NewTrack(t.ClockRate),
	}
	r.timer = time.AfterFunc(time.Hour, r.onTimer)
	r.timer.Stop()
	return r, nil
}

// leave tells the reader that the server no longer carries the track: it
// reads on until the stream closes (pion stops the receiver when the
// renegotiation that removes the track is applied), at most leaveGrace.
// Safe from any goroutine, and it takes no lock: the Ingest calls it with
// its own lock held, which a Handler may take.
func (r *trackReader) leave() {
	r.leaveOnce.Do(func() { r.leaveTimer.Store(time.AfterFunc(leaveGrace, r.end)) })
}

// run delivers the track until ctx is done, its RTP stream ends, or
// leaveGrace after leave. It reads RTP in the calling goroutine and returns
// once that stops; the Handler has had TrackRemoved by then.
func (r *trackReader) run(ctx context.Context) {
	r.start()
	stop := context.AfterFunc(ctx, r.end)
	defer stop()
	r.env.spawn(r.readRTCP)
	r.readRTP()
	r.end()
}

// start reports the track added and, for video, asks for a keyframe.
func (r *trackReader) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = true
	r.stats.active.Store(true)
	r.env.handler.TrackAdded(&r.track)
	if r.track.Kind == media.KindVideo {
		now := r.env.now()
		r.waitKey = true
		r.requestPLI(now)
		r.arm(now)
	}
}

// end ends the track unless it has ended. Safe from any goroutine.
func (r *trackReader) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		r.finish()
	}
}

// finish delivers what the jitter buffer and the clock still hold, then
// reports the track removed. It needs mu.
func (r *trackReader) finish() {
	r.running = false
	r.timer.Stop()
	if t := r.leaveTimer.Load(); t != nil {
		t.Stop()
	}
	now := r.env.now()
	pkts, gap := r.jitter.Flush()
	r.process(pkts, gap, now)
	r.stats.setJitter(r.jitter.Stats())
	if len(r.pending) > 0 {
		r.fallback(now)
	}
	r.stats.active.Store(false)
	r.env.handler.TrackRemoved(&r.track)
	r.env.log.Info("track removed")
}

// onPacket takes one packet through the jitter buffer and on; errEnded
// once the track has ended.
func (r *trackReader) onPacket(p *rtp.Packet) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return errEnded
	}
	now := r.env.now()
	r.stats.packets.Add(1)
	if !r.received {
		r.first, r.firstTS, r.received = now, p.Timestamp, true
	}
	r.jitter.Push(p, now)
	r.pop(now)
	r.arm(now)
	return nil
}

// onTimer handles what is due: the jitter buffer's timeouts, the fallback
// when no sender report came, PLI repeats while video waits for a keyframe.
// A timer that fires early finds nothing due and is armed again.
func (r *trackReader) onTimer() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return
	}
	r.armed = time.Time{}
	now := r.env.now()
	r.pop(now)
	if !r.clock.Synced() && r.received && !now.Before(r.first.Add(maxHold)) {
		r.fallback(now)
	}
	if r.waitKey {
		r.requestPLI(now)
	}
	r.arm(now)
}

func (r *trackReader) onSenderReport(sr senderReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return
	}
	if r.clock.ByArrival() {
		r.env.log.Info("sender report arrived; timing by sender reports from now on")
	}
	r.clock.SenderReport(sr.ntp, sr.rtpTime)
	r.release()
}

// arm makes the timer fire by the earliest of: the jitter buffer's next
// release, the end of the wait for a sender report, the next PLI. It only
// resets the timer when that is earlier than it is armed for, so a packet
// that changes nothing costs no timer operation; a timer that fires for a
// deadline since gone finds nothing to do. It needs mu.
func (r *trackReader) arm(now time.Time) {
	d := r.jitter.NextDeadline()
	if !r.clock.Synced() && r.received {
		d = earliest(d, r.first.Add(maxHold))
	}
	if r.waitKey {
		d = earliest(d, r.lastPLI.Add(pliInterval))
	}
	if d.IsZero() || (!r.armed.IsZero() && !d.Before(r.armed)) {
		return
	}
	r.armed = d
	r.timer.Reset(max(d.Sub(now), minWait))
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
		at := r.jitter.Arrival(p.SequenceNumber) // of the frame's last packet, before any wait
		if at.IsZero() {
			at = now
		}
		for _, f := range frames {
			r.frame(f, at)
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

func (r *trackReader) frame(f depacketizer.Frame, now time.Time) {
	if r.waitKey {
		if !f.Key {
			r.stats.dropped.Add(1)
			return
		}
		r.waitKey = false
	}
	if !r.clock.Synced() {
		r.hold(f, now)
		return
	}
	r.deliver(f, now)
}

// heldFrame is a frame waiting for the first sender report.
type heldFrame struct {
	depacketizer.Frame
	at time.Time // when it was depacketized
}

// hold keeps a frame until the first sender report, falling back to
// arrival time when too many wait.
func (r *trackReader) hold(f depacketizer.Frame, now time.Time) {
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
	r.clock.Arrival(r.first, r.firstTS)
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
func (r *trackReader) deliver(f depacketizer.Frame, at time.Time) {
	if !r.timely(f, at) {
		return
	}
	pts := r.clock.PTS(f.RTPTime, r.env.common)
	key := f.Key || r.track.Kind == media.KindAudio
	r.stats.frames.Add(1)
	if key {
		r.stats.keyframes.Add(1)
	}
	r.env.handler.Unit(&media.Unit{Track: &r.track, PTS: pts, DTS: pts, Key: key, Data: f.Data, Arrival: at})
}

// timely runs a frame past the timestamp guard. A frame it drops is taken
// for a stray, like a packet far off the sequence (see jitter.Buffer): the
// decode chain goes on without it. After a resync the frames before were
// real and lost, so video waits for a keyframe.
func (r *trackReader) timely(f depacketizer.Frame, at time.Time) bool {
	switch r.guard.Check(r.clock.WallTime(f.RTPTime).Sub(at), at) {
	case rtpclock.GuardDrop:
		n := r.stats.badTimestamps.Add(1)
		if at.Sub(r.lastLog) >= logInterval {
			r.lastLog = at
			r.env.log.Warn("dropped a frame whose timestamp jumped", "rtp_time", f.RTPTime, "bad_timestamps_total", n)
		}
		return false
	case rtpclock.GuardResync:
		r.env.log.Warn("timestamps jumped for good; timing by arrival until the next sender report", "rtp_time", f.RTPTime)
		r.clock.Rebase(at, f.RTPTime)
		if r.track.Kind == media.KindVideo && !f.Key {
			r.stats.dropped.Add(1)
			r.waitKey = true
			r.requestPLI(at)
			return false
		}
	}
	return true
}

// readRTP takes each packet through the track until the stream closes or
// the track ends. A packet pion cannot parse counts as malformed.
func (r *trackReader) readRTP() {
	ok := readUntilClosed(func() error {
		p, _, err := r.rtpIn.ReadRTP()
		if err != nil {
			if !closed(err) {
				r.stats.malformed.Add(1)
			}
			return err
		}
		return r.onPacket(p)
	})
	if !ok {
		r.env.log.Warn("RTP stream gives only errors; stopped reading it")
	}
}

// readRTCP drains the receiver's RTCP until the stream closes, so that the
// interceptors (receiver reports) see it, and hands on this track's sender
// reports.
func (r *trackReader) readRTCP() {
	readUntilClosed(func() error {
		pkts, _, err := r.rtcpIn.ReadRTCP()
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == r.ssrc {
				r.onSenderReport(senderReport{ntp: sr.NTPTime, rtpTime: sr.RTPTime})
			}
		}
		return err
	})
}

// readUntilClosed calls read until it returns errEnded or an error that
// means the stream is closed; it reports false when it gave up after
// maxReadErrors other errors in a row.
func readUntilClosed(read func() error) bool {
	for fails := 0; fails < maxReadErrors; {
		switch err := read(); {
		case err == nil:
			fails = 0
		case errors.Is(err, errEnded) || closed(err):
			return true
		default:
			fails++
		}
	}
	return false
}

// closed reports whether a read error means the stream is gone.
func closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed)
}
