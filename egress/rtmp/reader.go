package rtmp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// reader is the state the read goroutine owns.
type reader struct {
	in        *deadlineReader
	br        *bufio.Reader
	rd        *chunkReader
	ackWindow uint32
	acked     uint64
	unknownUC int
}

// deadlineReader reads the connection under the session's read deadline.
type deadlineReader struct {
	s *session
	n uint64 // bytes received
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	for {
		_ = r.s.conn.SetReadDeadline(r.s.readDeadline())
		n, err := r.s.conn.Read(p)
		r.n += uint64(n)
		if n > 0 {
			return n, nil
		}
		if isTimeout(err) && r.s.publishing.Load() && r.s.err() == nil {
			continue // servers seldom talk to a publisher
		}
		return n, err
	}
}

// readLoop runs the handshake, then handles server messages until the
// connection ends; its error ends the session.
func (s *session) readLoop() {
	defer close(s.readDone)
	err := s.readReplies()
	s.fail(s.readError(err))
}

func (s *session) readReplies() error {
	if err := s.handshake(); err != nil {
		return err
	}
	for {
		m, err := s.rd.next()
		if err != nil {
			return err
		}
		if err := s.handle(m); err != nil {
			return err
		}
		if err := s.maybeAck(); err != nil {
			return err
		}
	}
}

// handshake runs the RTMP handshake (RTMP spec 5.2) through gomedia: it
// sends C0+C1, answers S1 with C2, and sends connect after S2. S0+S1 and S2
// are fed separately so that gomedia never sees a byte past S2 (its
// handshake parser panics on one) and a server that waits for C2 before
// sending S2 works too.
func (s *session) handshake() error {
	s.setPhase()
	if err := s.start(); err != nil {
		return err
	}
	buf := make([]byte, 1+1536)
	if _, err := io.ReadFull(s.br, buf); err != nil {
		return err
	}
	if buf[0] != 3 {
		return fmt.Errorf("%w: server answered RTMP version %d, want 3", errChunkProtocol, buf[0])
	}
	if err := s.input(buf); err != nil {
		return err
	}
	if _, err := io.ReadFull(s.br, buf[:1536]); err != nil {
		return err
	}
	s.handshakeDone.Store(true)
	s.setPhase() // a fresh HandshakeTimeout for connect…publish
	return s.input(buf[:1536])
}

// handle acts on one server message.
func (s *session) handle(m message) error {
	switch m.typ {
	case msgSetChunkSize:
		return s.rd.setChunkSize(m.payload)
	case msgAbort:
		s.rd.abort(m.payload)
	case msgWindowAckSize:
		if len(m.payload) >= 4 {
			s.ackWindow = binary.BigEndian.Uint32(m.payload)
		}
	case msgUserControl:
		return s.userControl(m.payload)
	case msgCommandAMF0:
		return s.command(m)
	}
	// Acknowledgement, Set Peer Bandwidth, media, data, AMF3 and shared
	// objects: nothing a publisher acts on.
	return nil
}

// userControl answers pings (RTMP spec 7.1.7). gomedia panics on event
// types it does not know; here they are ignored, and never reach it.
func (s *session) userControl(p []byte) error {
	if len(p) < 2 {
		return nil
	}
	switch ev := binary.BigEndian.Uint16(p); {
	case ev == ucPingRequest && len(p) >= 6:
		pong := append(binary.BigEndian.AppendUint16(nil, ucPingResponse), p[2:6]...)
		return s.send(message{csid: csidControl, typ: msgUserControl, payload: pong})
	case ev > ucPingResponse:
		if s.unknownUC++; s.unknownUC == 1 {
			s.log.Debug("rtmp: ignoring unknown user control event", "target", s.t, "event", ev)
		}
	}
	return nil
}

// maybeAck acknowledges received bytes once a window is full (RTMP spec 5.4.3).
func (s *session) maybeAck() error {
	if s.ackWindow == 0 || s.in.n-s.acked < uint64(s.ackWindow) {
		return nil
	}
	s.acked = s.in.n
	ack := binary.BigEndian.AppendUint32(nil, uint32(s.in.n))
	return s.send(message{csid: csidControl, typ: msgAck, payload: ack})
}

// readError classifies the error that ended the read goroutine.
func (s *session) readError(err error) error {
	switch {
	case s.closing.Load() || s.err() != nil:
		return err // the session already ended; the cause is recorded
	case isTimeout(err) && !s.handshakeDone.Load():
		return fmt.Errorf("%w: no handshake reply within %s", ErrHandshakeTimeout, s.cfg.HandshakeTimeout)
	case isTimeout(err):
		return fmt.Errorf("%w: no NetStream.Publish.Start within %s", ErrHandshakeTimeout, s.cfg.HandshakeTimeout)
	case !isEOF(err):
		var ne net.Error
		if errors.As(err, &ne) {
			return fmt.Errorf("read: %w", err)
		}
		return err // a protocol error or the server's refusal
	case s.publishing.Load():
		return fmt.Errorf("%w: %w", errServerClosed, err)
	case s.publishSent.Load():
		return fmt.Errorf("%w: the server closed the connection after publish, without NetStream.Publish.Start", ErrRejected)
	case s.handshakeDone.Load():
		return fmt.Errorf("%w during connect: %w", errServerClosed, err)
	}
	return fmt.Errorf("%w during the handshake: %w", errServerClosed, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isEOF reports the ways a peer's close shows up on a read.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrClosedPipe)
}
