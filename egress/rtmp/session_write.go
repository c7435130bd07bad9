package rtmp

import (
	"fmt"
	"net"
	"time"
)

// maxKeptBuf is the largest scratch buffer a session keeps between writes.
const maxKeptBuf = 1 << 20

// batch is the messages of one write: a list of byte slices for one
// writev, of which the media payloads are the shared, immutable chunks of
// SharedChunks and the rest this connection's own bytes.
type batch struct {
	hdr     []byte   // type-0 headers of shared messages
	own     []byte   // messages serialised for this connection alone
	payload []byte   // a shared payload taken out of its chunks
	iov     [][]byte // the pieces, in order; backs out
	out     net.Buffers
	joined  []byte // the pieces in one buffer, for TLS
}

// send writes messages with the negotiated chunk size in one write,
// holding mu.
func (s *session) send(msgs ...message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		if err := s.batch.add(m, s.outChunk); err != nil {
			s.batch.reset()
			return err
		}
	}
	return s.flushLocked()
}

// add appends m's bytes for a connection writing chunks of chunkSize:
// its own type-0 header and the shared chunks when they fit the
// connection, else m serialised anew.
func (b *batch) add(m message, chunkSize int) error {
	e := m.shared
	if e != nil && e.chunkSize == chunkSize && m.ts < maxPlainTS {
		start := len(b.hdr)
		b.hdr = appendType0(b.hdr, m, e.n)
		b.iov = append(b.iov, b.hdr[start:], e.body)
		return nil
	}
	if e != nil {
		b.payload = e.appendPayload(b.payload[:0])
		m.payload = b.payload
	}
	start := len(b.own)
	var err error
	if b.own, err = appendChunks(b.own, m, chunkSize); err != nil {
		return err
	}
	b.iov = append(b.iov, b.own[start:])
	return nil
}

// trySend is send for a WriteGroup: it writes what the socket takes at
// once and never waits. done is false when the socket took only part:
// the rest stays in the batch, and the session's next write (send,
// writeLocked) sends it first, so nothing can come between the bytes of
// one message.
//
// A write of the session's own in progress (the read loop answering the
// server) hands the output back too, rather than wait for it.
func (s *session) trySend(msgs []message) (done bool, err error) {
	if !s.mu.TryLock() {
		return false, nil
	}
	defer s.mu.Unlock()
	if err := s.err(); err != nil {
		return false, err
	}
	if len(s.batch.iov) > 0 || s.tw == nil {
		return false, nil // the rest of a write is pending: not for the group
	}
	for _, m := range msgs {
		if err := s.batch.add(m, s.outChunk); err != nil {
			s.batch.reset()
			return false, err
		}
	}
	if len(s.batch.iov) == 0 {
		return true, nil
	}
	if s.deadline { // this write never waits; a deadline left by the last one would fail it once past
		_ = s.raw.SetWriteDeadline(time.Time{})
		s.deadline = false
	}
	n, err := s.tw.write(s.batch.iov)
	s.stats.wrote(n)
	if err != nil {
		s.batch.reset()
		s.fail(fmt.Errorf("write: %w", err))
		return false, s.err()
	}
	if rest := advanceBufs(s.batch.iov, n); len(rest) > 0 {
		s.batch.iov = s.batch.iov[:copy(s.batch.iov, rest)]
		return false, nil
	}
	s.batch.reset()
	return true, nil
}

// setWriteDeadlineLocked gives the next write WriteTimeout.
func (s *session) setWriteDeadlineLocked() {
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	s.deadline = true
}

// advanceBufs drops the first n bytes of bufs.
func advanceBufs(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs[0] = nil
		bufs = bufs[1:]
	}
	if len(bufs) > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}

// reset empties the batch, keeping buffers of reasonable size.
func (b *batch) reset() {
	clear(b.iov) // drop the references to shared chunks
	b.iov = b.iov[:0]
	b.hdr, b.own = keep(b.hdr), keep(b.own)
	b.payload, b.joined = keep(b.payload), keep(b.joined)
}

func keep(p []byte) []byte {
	if cap(p) > maxKeptBuf {
		return nil
	}
	return p[:0]
}

// flushLocked writes the batch under a fresh deadline, with mu held: one
// writev on TCP; on TLS, whose records would otherwise follow the pieces,
// one Write of them joined.
func (s *session) flushLocked() error {
	defer s.batch.reset()
	if len(s.batch.iov) == 0 {
		return nil
	}
	if err := s.err(); err != nil {
		return err
	}
	s.setWriteDeadlineLocked()
	var n int64
	var err error
	if s.conn != s.raw {
		b := &s.batch
		b.joined = b.joined[:0]
		for _, p := range b.iov {
			b.joined = append(b.joined, p...)
		}
		var k int
		k, err = s.conn.Write(b.joined)
		n = int64(k)
	} else {
		s.batch.out = s.batch.iov // WriteTo consumes out, not iov
		n, err = s.batch.out.WriteTo(s.conn)
	}
	s.stats.wrote(int(n))
	if err != nil {
		s.fail(fmt.Errorf("write: %w", err))
		return s.err()
	}
	return nil
}

// writeLocked writes b under a fresh deadline. It is gomedia's output
// callback as well, so every write on the connection passes here or
// through flushLocked, with mu held.
func (s *session) writeLocked(b []byte) error {
	if err := s.err(); err != nil {
		return err
	}
	if len(s.batch.iov) > 0 { // the rest of a WriteGroup's write goes first
		if err := s.flushLocked(); err != nil {
			return err
		}
	}
	s.setWriteDeadlineLocked()
	n, err := s.conn.Write(b)
	s.stats.wrote(n)
	if err != nil {
		s.fail(fmt.Errorf("write: %w", err))
		return s.err()
	}
	return nil
}
