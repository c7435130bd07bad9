package rtctest

import (
	"net"
	"sync"
	"time"
)

// RTCPDelayConn wraps a UDP socket and writes the SRTCP packets written to
// it d late: NACKs (and their retransmissions) then take a long round
// trip while the media flows on.
type RTCPDelayConn struct {
	net.PacketConn
	d       time.Duration
	pending sync.WaitGroup
}

// NewRTCPDelayConn delays the SRTCP packets written to conn by d.
func NewRTCPDelayConn(conn net.PacketConn, d time.Duration) *RTCPDelayConn {
	return &RTCPDelayConn{PacketConn: conn, d: d}
}

// WriteTo writes b, d later if it is SRTCP, in which case it reports it
// written at once.
func (c *RTCPDelayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if !isSRTCP(b) {
		return c.PacketConn.WriteTo(b, addr)
	}
	p := append([]byte(nil), b...)
	c.pending.Add(1)
	time.AfterFunc(c.d, func() {
		defer c.pending.Done()
		_, _ = c.PacketConn.WriteTo(p, addr)
	})
	return len(b), nil
}

// Close waits for the delayed writes, then closes the socket.
func (c *RTCPDelayConn) Close() error {
	c.pending.Wait()
	return c.PacketConn.Close()
}

// isSRTCP reports an SRTCP packet: a first byte in 128..191 and a second
// in 192..223 (see srtpPayloadType).
func isSRTCP(b []byte) bool {
	return len(b) >= 8 && b[0] >= 128 && b[0] <= 191 && b[1] >= 192 && b[1] <= 223
}
