package rtmp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	gortmp "github.com/yapingcat/gomedia/go-rtmp"
)

// outChunkSize is the chunk size gomedia announces after connect and this
// package then writes with; 4096 is what OBS and FFmpeg use.
const outChunkSize = 4096

// errSessionClosed is the cause of a session this package closed itself.
var errSessionClosed = errors.New("rtmp session closed")

// session is one connection. gomedia's client drives the handshake and the
// connect, releaseStream, FCPublish, createStream and publish commands; the
// session reads the server's chunk stream itself (chunkReader), answers
// protocol control, forwards only well-formed _result replies to gomedia,
// and writes the media.
type session struct {
	t     Target
	cfg   Config
	log   *slog.Logger
	stats *stats

	raw  net.Conn // the TCP connection: closing it unblocks every operation
	conn net.Conn // raw, or the TLS client over it

	ctx       context.Context // done with the session's first error
	cancel    context.CancelCauseFunc
	published chan struct{} // closed on NetStream.Publish.Start
	readDone  chan struct{}

	mu       sync.Mutex // serialises every gomedia call and every write
	cli      *gortmp.RtmpClient
	outChunk int
	batch    batch      // what the next write sends
	tw       *tryWriter // writes without waiting, for a WriteGroup; nil on TLS
	deadline bool       // a write deadline is set on the connection

	streamID      atomic.Uint32
	handshakeDone atomic.Bool
	connected     atomic.Bool // connect's _result arrived
	publishSent   atomic.Bool // createStream's _result arrived: gomedia sent publish
	publishing    atomic.Bool
	closing       atomic.Bool
	phaseEnd      atomic.Int64 // read deadline before publishing, unix ns
	pendingSince  atomic.Int64 // a unit waits for bytes to move since, unix ns

	reader // the read goroutine's state
}

func newSession(cfg Config, st *stats, raw, conn net.Conn) *session {
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &session{
		t: cfg.Target, cfg: cfg, log: cfg.Logger, stats: st, raw: raw, conn: conn,
		ctx: ctx, cancel: cancel, published: make(chan struct{}), readDone: make(chan struct{}),
		outChunk: 128,
	}
	if conn == raw {
		s.tw = newTryWriter(raw)
	}
	s.in = &deadlineReader{s: s}
	s.br = bufio.NewReaderSize(s.in, 4096)
	s.rd = newChunkReader(s.br)
	s.cli = gortmp.NewRtmpClient(gortmp.WithChunkSize(outChunkSize), gortmp.WithEnablePublish())
	s.cli.SetOutput(s.writeLocked)
	return s
}

// fail ends the session with err unless it already ended; closing the TCP
// connection unblocks any read or write in progress.
func (s *session) fail(err error) {
	s.cancel(err)
	_ = s.raw.Close()
}

// close ends the session cleanly and waits for the read goroutine.
func (s *session) close() {
	s.closing.Store(true)
	s.cancel(errSessionClosed)
	_ = s.conn.Close() // TLS: close_notify, under crypto/tls's own deadline
	_ = s.raw.Close()
	<-s.readDone
}

// err is the session's first error.
func (s *session) err() error { return context.Cause(s.ctx) }

// input feeds bytes to gomedia's client holding mu, and turns a gomedia
// panic into an error.
func (s *session) input(b []byte) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: gomedia client panicked: %v", errChunkProtocol, r)
		}
	}()
	if err := s.cli.Input(b); err != nil {
		return fmt.Errorf("gomedia client: %w", err)
	}
	return s.err()
}

// start makes gomedia send C0 and C1.
func (s *session) start() (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gomedia client panicked: %v", r)
		}
	}()
	s.cli.Start(s.t.clientURL())
	return s.err()
}

// setPhase starts a HandshakeTimeout for the reads of the next phase.
func (s *session) setPhase() {
	s.phaseEnd.Store(time.Now().Add(s.cfg.HandshakeTimeout).UnixNano())
}

// readDeadline is the phase's end before publishing; afterwards reads are
// re-armed every StallTimeout and their timeouts ignored.
func (s *session) readDeadline() time.Time {
	if s.publishing.Load() {
		return time.Now().Add(s.cfg.StallTimeout)
	}
	return time.Unix(0, s.phaseEnd.Load())
}

// markPublished records NetStream.Publish.Start.
func (s *session) markPublished() {
	if s.publishSent.Load() && !s.publishing.Swap(true) {
		close(s.published)
	}
}

// setOutChunk follows gomedia, which sent Set Chunk Size on connect's _result.
func (s *session) setOutChunk() {
	s.mu.Lock()
	s.outChunk = outChunkSize
	s.mu.Unlock()
}
