package rtc

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v2/packetio"
)

// TestGuardMutesPastUnreadLimit: the first maxUnread buffers keep packets
// before anyone reads them; the next ones drop them, and their first read
// gives them a buffer that keeps what follows.
func TestGuardMutesPastUnreadLimit(t *testing.T) {
	g := &StreamGuard{}
	var bufs []io.ReadWriteCloser
	for i := range maxUnread + 2 {
		b := g.newBuffer(packetio.RTCPBufferPacket, uint32(i))
		writeAll(t, b, []byte{byte(i)})
		bufs = append(bufs, b)
	}
	if s := g.Stats(); s.Streams != maxUnread+2 || s.Muted != 2 || s.Flooded {
		t.Fatalf("stats %+v, want %d streams, 2 muted", s, maxUnread+2)
	}
	if got := readOne(t, bufs[0]); !bytes.Equal(got, []byte{0}) {
		t.Errorf("first buffer read %v, want [0]", got)
	}
	muted := bufs[maxUnread]
	go func() {
		time.Sleep(20 * time.Millisecond)
		writeAll(t, muted, []byte{42})
	}()
	if got := readOne(t, muted); !bytes.Equal(got, []byte{42}) {
		t.Errorf("muted buffer read %v, want the packet written after its first read, [42]", got)
	}
	// bufs[0] was read: one more buffer may hold packets before its read.
	b := g.newBuffer(packetio.RTPBufferPacket, 1000)
	writeAll(t, b, []byte{7})
	if got := readOne(t, b); !bytes.Equal(got, []byte{7}) {
		t.Errorf("buffer after a read read %v, want [7]", got)
	}
	for _, b := range bufs {
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if g.unread != 0 {
		t.Errorf("%d unread buffers after closing all", g.unread)
	}
}

// TestGuardLimits: a buffer holds unreadLimit bytes before its first read,
// pion's limit after.
func TestGuardLimits(t *testing.T) {
	for _, tc := range []struct {
		kind  packetio.BufferPacketType
		limit int
	}{{packetio.RTCPBufferPacket, rtcpReadLimit}, {packetio.RTPBufferPacket, rtpReadLimit}} {
		b := (&StreamGuard{}).newBuffer(tc.kind, 1)
		if got := fill(t, b); got > unreadLimit || got < unreadLimit/2 {
			t.Errorf("kind %d before a read: held %d bytes, want about %d", tc.kind, got, unreadLimit)
		}
		// fill drained it: it has been read.
		if got := fill(t, b); got > tc.limit || got < tc.limit/2 {
			t.Errorf("kind %d after a read: held %d bytes, want about %d", tc.kind, got, tc.limit)
		}
		_ = b.Close()
	}
}

// TestGuardClose: a closed buffer, read or not, muted or not, ends reads
// with EOF; a second Close is fine.
func TestGuardClose(t *testing.T) {
	g := &StreamGuard{unread: maxUnread - 1}
	kept := g.newBuffer(packetio.RTCPBufferPacket, 1)
	muted := g.newBuffer(packetio.RTCPBufferPacket, 2)
	for _, b := range []io.ReadWriteCloser{kept, muted} {
		done := make(chan error, 1)
		go func() {
			_, err := b.Read(make([]byte, 10))
			done <- err
		}()
		time.Sleep(10 * time.Millisecond)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, io.EOF) {
			t.Errorf("read on close: %v, want EOF", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
	}
	closedUnread := g.newBuffer(packetio.RTCPBufferPacket, 3)
	_ = closedUnread.Close()
	if _, err := closedUnread.Read(make([]byte, 10)); !errors.Is(err, io.EOF) {
		t.Errorf("read after close: %v, want EOF", err)
	}
}

// TestGuardFlood: the maxMuted-th muted stream calls OnFlood, once.
func TestGuardFlood(t *testing.T) {
	g := &StreamGuard{unread: maxUnread}
	var calls atomic.Int32
	done := make(chan struct{})
	g.OnFlood(func() {
		if calls.Add(1) == 1 {
			close(done)
		}
	})
	for i := range maxMuted + 10 {
		g.newBuffer(packetio.RTCPBufferPacket, uint32(i))
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("OnFlood not called")
	}
	time.Sleep(20 * time.Millisecond)
	if n := calls.Load(); n != 1 || !g.Stats().Flooded {
		t.Errorf("OnFlood called %d times, stats %+v; want once, flooded", n, g.Stats())
	}
}

func writeAll(t *testing.T, w io.Writer, p []byte) {
	t.Helper()
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
}

// readOne reads one packet, with a deadline.
func readOne(t *testing.T, b io.ReadWriteCloser) []byte {
	t.Helper()
	if err := b.(*guardedBuffer).SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 1500)
	n, err := b.Read(p)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return p[:n]
}

// fill writes 1000-byte packets until the buffer drops one, drains it and
// returns how many bytes it held.
func fill(t *testing.T, b io.ReadWriteCloser) int {
	t.Helper()
	pkt := make([]byte, 1000)
	held := 0
	for range 2000 {
		gb := b.(*guardedBuffer)
		gb.mu.Lock()
		size := gb.buf.Size()
		gb.mu.Unlock()
		if _, err := b.Write(pkt); err != nil && !errors.Is(err, packetio.ErrFull) {
			t.Fatal(err)
		}
		gb.mu.Lock()
		grew := gb.buf.Size() > size
		gb.mu.Unlock()
		if !grew {
			break
		}
		held += len(pkt)
	}
	for range held / len(pkt) {
		readOne(t, b)
	}
	return held
}
