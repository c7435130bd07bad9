package rtc

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v2/packetio"
)

// pion's SRTP and SRTCP sessions make a read stream, with a buffer, for
// every SSRC a packet names: RTP for its SSRC, RTCP for each SSRC it
// reports on or asks about. Streams for SSRCs that no track reads are
// never read nor closed before the PeerConnection is, and pion lets each
// buffer fill (100 KB for RTCP, 1 MB for RTP), so a peer naming random
// SSRCs grew the process without bound. A StreamGuard, one per
// PeerConnection, hands those sessions their buffers: a buffer starts
// small and only gets pion's full size when it is first read, and past
// maxUnread buffers never read, new ones hold nothing until read. Such a
// muted stream still costs pion's own state, about 300 bytes, until the
// PeerConnection closes, so past maxMuted the guard calls OnFlood for the
// owner to close the PeerConnection: no browser names thousands of SSRCs
// it neither sends nor receives.
const (
	// maxUnread is how many buffers of one PeerConnection may hold packets
	// before anyone reads them. A track's stream is read as soon as pion
	// makes it, so this only has to cover a renegotiation's burst of new
	// tracks; SSRCs nobody reads stay in it for good.
	maxUnread = 64
	// unreadLimit bounds what a buffer holds before its first read: enough
	// for the packets that arrive before a new track's reader starts.
	unreadLimit = 16 * 1024
	// maxMuted is how many muted streams make a PeerConnection flooded.
	maxMuted = 2048
	// readLimits are pion's own: what a read buffer holds for a slow reader.
	rtpReadLimit  = 1000 * 1000
	rtcpReadLimit = 100 * 1000
)

// StreamGuard counts the read streams of one PeerConnection.
type StreamGuard struct {
	mu      sync.Mutex
	unread  int    // open buffers holding packets, never read
	onFlood func() // called once at maxMuted

	streams atomic.Int64 // buffers handed out
	mute    atomic.Int64 // of which held nothing until read
}

// GuardStats are a StreamGuard's counts.
type GuardStats struct {
	// Streams is how many SSRC read streams pion made (RTP and RTCP).
	Streams int64
	// Muted is how many of them were past the unread limit: their packets
	// were dropped until something read them.
	Muted int64
	// Flooded is Muted reaching the limit that calls OnFlood.
	Flooded bool
}

// Stats returns the guard's counts.
func (g *StreamGuard) Stats() GuardStats {
	muted := g.mute.Load()
	return GuardStats{Streams: g.streams.Load(), Muted: muted, Flooded: muted >= maxMuted}
}

// OnFlood sets what to do, once, when the peer has named too many SSRCs
// nobody reads: close its PeerConnection, which frees their streams. f
// runs on a goroutine of its own.
func (g *StreamGuard) OnFlood(f func()) {
	g.mu.Lock()
	g.onFlood = f
	g.mu.Unlock()
}

// newBuffer is the SettingEngine's BufferFactory.
func (g *StreamGuard) newBuffer(kind packetio.BufferPacketType, _ uint32) io.ReadWriteCloser {
	g.streams.Add(1)
	b := &guardedBuffer{guard: g, readLimit: rtcpReadLimit}
	if kind == packetio.RTPBufferPacket {
		b.readLimit = rtpReadLimit
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.unread >= maxUnread {
		if g.mute.Add(1) == maxMuted && g.onFlood != nil {
			go g.onFlood()
		}
		return b
	}
	g.unread++
	b.buf = newPacketBuffer(unreadLimit)
	return b
}

func (g *StreamGuard) leaveUnread() {
	g.mu.Lock()
	g.unread--
	g.mu.Unlock()
}

func newPacketBuffer(limit int) *packetio.Buffer {
	b := packetio.NewBuffer()
	b.SetLimitSize(limit)
	return b
}

// guardedBuffer is one stream's buffer. buf is nil while the stream is
// muted: writes are dropped, and the first read makes it.
type guardedBuffer struct {
	guard     *StreamGuard
	readLimit int

	mu     sync.Mutex
	buf    *packetio.Buffer
	read   bool
	closed bool
}

// Write keeps a packet, or drops it when the buffer is muted or full, as
// pion does when full.
func (b *guardedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	buf := b.buf
	b.mu.Unlock()
	if buf == nil {
		return len(p), nil
	}
	return buf.Write(p)
}

// Read waits for a packet.
func (b *guardedBuffer) Read(p []byte) (int, error) {
	return b.reading().Read(p)
}

// SetReadDeadline is the deadline of Read; setting one means a reader.
func (b *guardedBuffer) SetReadDeadline(t time.Time) error {
	return b.reading().SetReadDeadline(t)
}

// reading marks the buffer read and returns its packet buffer, giving it
// pion's full size.
func (b *guardedBuffer) reading() *packetio.Buffer {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.read {
		return b.buf
	}
	b.read = true
	switch {
	case b.buf == nil:
		b.buf = newPacketBuffer(b.readLimit)
		if b.closed {
			_ = b.buf.Close()
		}
	case !b.closed:
		b.buf.SetLimitSize(b.readLimit)
		b.guard.leaveUnread()
	}
	return b.buf
}

// Close ends reads and writes.
func (b *guardedBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if b.buf == nil {
		return nil
	}
	if !b.read {
		b.guard.leaveUnread()
	}
	return b.buf.Close()
}
