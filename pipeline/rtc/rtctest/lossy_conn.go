// Package rtctest wraps the socket of a PeerConnection
// (rtc.Options.UDPConn) to inject packet loss and delay, for tests of NACK
// recovery.
package rtctest

import (
	"maps"
	"net"
	"sync"
)

// Direction says which packets a LossyConn drops.
type Direction int

// Directions.
const (
	Incoming Direction = iota // packets read: loss on the way to this peer
	Outgoing                  // packets written: loss on the way from it
)

// LossyConn wraps a UDP socket and discards every Nth SRTP packet that
// goes in its direction. STUN, DTLS and SRTCP always pass, so the
// connection comes up and its NACKs and reports get through; SRTP flows
// only once it is up. Retransmissions count like any packet.
type LossyConn struct {
	net.PacketConn
	dir   Direction
	every int

	mu      sync.Mutex
	stopped bool
	rtp     int
	sent    map[uint8]int // SRTP packets by payload type, dropped ones included
	dropped map[uint8]int
}

// NewLossyConn drops every Nth SRTP packet (every >= 1) in direction dir.
func NewLossyConn(conn net.PacketConn, dir Direction, every int) *LossyConn {
	return &LossyConn{PacketConn: conn, dir: dir, every: max(every, 1), sent: map[uint8]int{}, dropped: map[uint8]int{}}
}

// ReadFrom reads the next packet that is not dropped.
func (c *LossyConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil || c.dir != Incoming || !c.drop(b[:n]) {
			return n, addr, err
		}
	}
}

// WriteTo writes b unless it is dropped, which it reports as written.
func (c *LossyConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.dir == Outgoing && c.drop(b) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

// drop counts an SRTP packet and reports whether to discard it.
func (c *LossyConn) drop(b []byte) bool {
	pt, ok := srtpPayloadType(b)
	if !ok {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rtp++
	c.sent[pt]++
	if c.stopped || c.rtp%c.every != 0 {
		return false
	}
	c.dropped[pt]++
	return true
}

// Stop ends the loss: every packet passes from now on, so that a test can
// let the losses so far be recovered before the media ends.
func (c *LossyConn) Stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}

// Counts returns, by RTP payload type, the SRTP packets seen (dropped ones
// included) and those dropped.
func (c *LossyConn) Counts() (seen, dropped map[uint8]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.sent), maps.Clone(c.dropped)
}

// srtpPayloadType returns the payload type of an SRTP packet; ok is false
// for anything else. On a WebRTC socket a first byte in 128..191 is RTP or
// RTCP (RFC 7983 section 7), and with rtcp-mux a second byte in 192..223
// is an RTCP packet type (RFC 5761 section 4). The RTP header stays in
// clear text under SRTP (RFC 3711 section 3.1).
func srtpPayloadType(b []byte) (uint8, bool) {
	if len(b) < 12 || b[0] < 128 || b[0] > 191 || (b[1] >= 192 && b[1] <= 223) {
		return 0, false
	}
	return b[1] & 0x7f, true
}
