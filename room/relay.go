package room

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/relay"
)

// Relay connection timings.
const (
	// relayPace is the least time between two writes of a relay
	// connection: what its packets wait at most to be written together,
	// so that a busy room costs one write and one read per pace, not per
	// packet.
	relayPace = 2 * time.Millisecond
	// relayPing is how often an idle connection says it is alive.
	relayPing = 5 * time.Second
	// relayIdle ends a connection that sent nothing for so long.
	relayIdle = 4 * relayPing
	// relayWriteTimeout ends a connection whose writes stall so long; the
	// tracks' queues drop to the next keyframe meanwhile.
	relayWriteTimeout = 10 * time.Second
	// relayMaxBuffer is the write buffer kept between writes; a larger one
	// (after a burst) is let go.
	relayMaxBuffer = 1 << 20
)

// ErrRelayClosed is how a relay session ends when the client closes it.
var ErrRelayClosed = errors.New("relay client closed the connection")

// Relay serves a relay subscriber (package relay) of a room on conn, whose
// HTTP upgrade the caller has answered; in reads what the client sends
// (it may hold bytes read with the request). It subscribes like an
// in-process job (SubscribeLocal), and one goroutine writes every track's
// packets, its sender reports and the track set's changes to conn, at most
// one write per relayPace. It returns when ctx is done, the room is
// deleted (after telling the client), the client closes the connection
// (ErrRelayClosed), or the connection fails; conn is closed then.
func (s *Scope) Relay(ctx context.Context, room, name string, conn net.Conn, in io.Reader) error {
	notify := make(chan struct{}, 1)
	sub, err := s.subscribeLocal(room, name, notify)
	if err != nil {
		conn.Close()
		return err
	}
	rs := &relaySession{
		sub: sub, conn: conn, in: relay.NewReader(in), notify: notify, env: sub.room.env,
		log: sub.log.With("relay", conn.RemoteAddr().String()), errLog: newLogLimiter(sub.room.env.logEvery),
		ids: map[*localTrack]uint32{}, byID: map[uint32]*localTrack{},
	}
	defer sub.Close()
	return rs.run(ctx)
}

// relaySession is one relay connection of a room.
type relaySession struct {
	sub    *localSubscription
	conn   net.Conn
	in     *relay.Reader
	notify chan struct{} // every track's, 1-buffered
	env    *env
	log    *slog.Logger
	errLog *logLimiter

	// Owned by the writing goroutine.
	ids    map[*localTrack]uint32 // the tracks announced
	order  []*localTrack          // in the order announced
	nextID uint32
	buf    []byte
	pkts   []fwdPacket
	wrote  time.Time // the last write

	mu   sync.Mutex // guards byID, read by the reading goroutine
	byID map[uint32]*localTrack
}

func (rs *relaySession) run(ctx context.Context) error {
	rs.log.Info("relay subscriber connected")
	readErr := make(chan error, 1)
	go func() { readErr <- rs.readLoop() }()
	err := rs.writeLoop(ctx, readErr)
	rs.conn.Close()
	if err == nil || !errors.Is(err, errReadEnded) {
		<-readErr
	}
	if errors.Is(err, ErrRelayClosed) {
		rs.log.Info("relay subscriber left")
	} else {
		rs.log.Info("relay connection ended", "err", err)
	}
	return err
}

// errReadEnded marks writeLoop's error as the reading goroutine's.
var errReadEnded = errors.New("relay read ended")

// writeLoop writes until something ends the session.
func (rs *relaySession) writeLoop(ctx context.Context, readErr <-chan error) error {
	reports := time.NewTicker(rs.env.srPeriod)
	defer reports.Stop()
	pings := time.NewTicker(relayPing)
	defer pings.Stop()
	pace := time.NewTimer(0)
	defer pace.Stop()
	rs.syncTracks()
	for {
		if err := rs.flush(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return rs.bye("the server is shutting down", nil)
		case <-rs.sub.Done():
			return rs.bye("the room was deleted", nil)
		case err := <-readErr:
			return fmt.Errorf("%w: %w", errReadEnded, err)
		case <-rs.sub.Changed():
			rs.syncTracks()
		case <-reports.C:
			rs.appendReports()
		case <-pings.C:
			rs.buf = relay.AppendEmpty(rs.buf, relay.TypePing)
		case <-rs.notify:
			rs.waitPace(ctx, pace)
			rs.drainTracks()
		}
	}
}

// waitPace waits until relayPace after the last write, so that packets
// queued meanwhile go out together.
func (rs *relaySession) waitPace(ctx context.Context, pace *time.Timer) {
	d := relayPace - rs.env.now().Sub(rs.wrote)
	if d <= 0 {
		return
	}
	pace.Reset(d)
	select {
	case <-pace.C:
	case <-ctx.Done():
	case <-rs.sub.Done():
	}
}

// bye tells the client why the session ends, as well as a short write can.
func (rs *relaySession) bye(reason string, err error) error {
	rs.buf = relay.AppendBye(rs.buf, reason)
	_ = rs.flush()
	return err
}

// syncTracks announces the room's new tracks and ends the gone ones,
// after their last queued packets.
func (rs *relaySession) syncTracks() {
	now := rs.sub.localTracks()
	carried := make(map[*localTrack]bool, len(now))
	for _, lt := range now {
		carried[lt] = true
	}
	kept := rs.order[:0]
	for _, lt := range rs.order {
		if carried[lt] {
			kept = append(kept, lt)
			continue
		}
		rs.appendPackets(lt)
		rs.buf = relay.AppendID(rs.buf, relay.TypeTrackRemove, rs.ids[lt])
		rs.forget(lt)
	}
	rs.order = kept
	for _, lt := range now {
		if _, ok := rs.ids[lt]; !ok {
			rs.announce(lt)
		}
	}
}

func (rs *relaySession) announce(lt *localTrack) {
	rs.nextID++
	id := rs.nextID
	b, err := relay.AppendTrackAdd(rs.buf, relay.Track{ID: id, ClockRate: lt.ClockRate(), SSRC: lt.SSRC(), Info: lt.Info()})
	if err != nil {
		rs.log.Warn("cannot relay track", "track", lt.src.id, "err", err)
		return
	}
	rs.buf = b
	rs.ids[lt] = id
	rs.order = append(rs.order, lt)
	rs.mu.Lock()
	rs.byID[id] = lt
	rs.mu.Unlock()
	if ntp, rtpTime, ok := lt.src.clock.at(rs.env.now()); ok {
		rs.buf = relay.AppendSenderReport(rs.buf, relay.SenderReport{ID: id, NTP: ntp, RTPTime: rtpTime})
	}
}

func (rs *relaySession) forget(lt *localTrack) {
	rs.mu.Lock()
	delete(rs.byID, rs.ids[lt])
	rs.mu.Unlock()
	delete(rs.ids, lt)
}

// drainTracks appends every track's queued packets.
func (rs *relaySession) drainTracks() {
	for _, lt := range rs.order {
		rs.appendPackets(lt)
	}
}

func (rs *relaySession) appendPackets(lt *localTrack) {
	rs.pkts = lt.drain(rs.pkts[:0])
	id := rs.ids[lt]
	for i, p := range rs.pkts {
		b, err := relay.AppendRTP(rs.buf, id, p.pkt)
		if err != nil {
			rs.errLog.log(rs.log, rs.env.now(), slog.LevelWarn, "cannot relay packet", "track", lt.src.id, "err", err)
		}
		rs.buf = b
		rs.pkts[i] = fwdPacket{}
	}
}

// appendReports appends a sender report of each track whose clock is
// known, as the room sends its WebRTC subscribers.
func (rs *relaySession) appendReports() {
	now := rs.env.now()
	for _, lt := range rs.order {
		if ntp, rtpTime, ok := lt.src.clock.at(now); ok {
			rs.buf = relay.AppendSenderReport(rs.buf, relay.SenderReport{ID: rs.ids[lt], NTP: ntp, RTPTime: rtpTime})
		}
	}
}

// flush writes what is buffered, under relayWriteTimeout.
func (rs *relaySession) flush() error {
	if len(rs.buf) == 0 {
		return nil
	}
	rs.wrote = rs.env.now()
	if err := rs.conn.SetWriteDeadline(rs.wrote.Add(relayWriteTimeout)); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	_, err := rs.conn.Write(rs.buf)
	if cap(rs.buf) > relayMaxBuffer {
		rs.buf = nil
	}
	rs.buf = rs.buf[:0]
	if err != nil {
		return fmt.Errorf("relay write: %w", err)
	}
	return nil
}

// readLoop reads the client's keyframe requests and pings until the
// connection ends or stays silent for relayIdle.
func (rs *relaySession) readLoop() error {
	for {
		if err := rs.conn.SetReadDeadline(rs.env.now().Add(relayIdle)); err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		f, err := rs.in.Next()
		switch {
		case errors.Is(err, io.EOF):
			return ErrRelayClosed
		case err != nil:
			return fmt.Errorf("relay read: %w", err)
		}
		if err := rs.onFrame(f); err != nil {
			return err
		}
	}
}

func (rs *relaySession) onFrame(f relay.Frame) error {
	switch f.Type {
	case relay.TypeKeyframeRequest:
		id, err := relay.ParseID(f.Payload)
		if err != nil {
			return fmt.Errorf("relay keyframe request: %w", err)
		}
		rs.mu.Lock()
		lt := rs.byID[id]
		rs.mu.Unlock()
		if lt != nil {
			lt.RequestKeyframe()
		}
	case relay.TypePing:
	case relay.TypeBye:
		return ErrRelayClosed
	default:
		rs.errLog.log(rs.log, rs.env.now(), slog.LevelWarn, "ignoring an unknown relay frame", "type", f.Type)
	}
	return nil
}
