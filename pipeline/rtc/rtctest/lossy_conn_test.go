package rtctest

import (
	"net"
	"testing"
	"time"
)

func TestSRTPPayloadType(t *testing.T) {
	header := func(b0, b1 byte) []byte { return append([]byte{b0, b1}, make([]byte, 10)...) }
	cases := []struct {
		name string
		b    []byte
		pt   uint8
		ok   bool
	}{
		{"stun binding request", header(0x00, 0x01), 0, false},
		{"dtls handshake", header(0x16, 0xfe), 0, false},
		{"srtcp sender report", header(0x80, 200), 0, false},
		{"srtcp nack", header(0x81, 205), 0, false},
		{"srtp vp8", header(0x80, 96), 96, true},
		{"srtp vp8 with marker", header(0x80, 0x80|96), 96, true},
		{"srtp opus", header(0x90, 111), 111, true},
		{"too short", []byte{0x80, 96, 0, 1}, 0, false},
	}
	for _, c := range cases {
		if pt, ok := srtpPayloadType(c.b); pt != c.pt || ok != c.ok {
			t.Errorf("%s: %d, %v; want %d, %v", c.name, pt, ok, c.pt, c.ok)
		}
	}
}

// TestLossyConn sends 100 RTP-looking packets and one RTCP-looking packet
// through a pair of sockets, each dropping every 10th in one direction.
func TestLossyConn(t *testing.T) {
	for _, dir := range []Direction{Outgoing, Incoming} {
		a, b := listen(t), listen(t)
		sender, receiver := net.PacketConn(a), net.PacketConn(b)
		lossy := NewLossyConn(a, dir, 10)
		if dir == Outgoing {
			sender = lossy
		} else {
			lossy = NewLossyConn(b, dir, 10)
			receiver = lossy
		}
		for i := range 100 {
			if _, err := sender.WriteTo([]byte{0x80, 96, 0, byte(i), 0, 0, 0, 0, 0, 0, 0, 1}, b.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sender.WriteTo([]byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0}, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		got, rtcp := 0, 0
		buf := make([]byte, 1500)
		for rtcp == 0 {
			_ = receiver.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, _, err := receiver.ReadFrom(buf)
			if err != nil {
				t.Fatalf("direction %d: after %d packets: %v", dir, got, err)
			}
			if buf[1] == 200 && n == 12 {
				rtcp++
			} else {
				got++
			}
		}
		seen, dropped := lossy.Counts()
		if got != 90 || seen[96] != 100 || dropped[96] != 10 {
			t.Errorf("direction %d: %d packets through, seen %v, dropped %v; want 90, 100 and 10", dir, got, seen, dropped)
		}
		a.Close()
		b.Close()
	}
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRTCPDelayConn checks that SRTCP is written late and the rest at once.
func TestRTCPDelayConn(t *testing.T) {
	a, b := listen(t), listen(t)
	defer b.Close()
	c := NewRTCPDelayConn(a, 200*time.Millisecond)
	start := time.Now()
	rtcp := []byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0}
	rtp := []byte{0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}
	for _, p := range [][]byte{rtcp, rtp} {
		if _, err := c.WriteTo(p, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1500)
	for _, want := range []byte{96, 200} {
		_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := b.ReadFrom(buf); err != nil || buf[1] != want {
			t.Fatalf("read %d, %v; want packet type %d", buf[1], err, want)
		}
		if d := time.Since(start); want == 200 && d < 200*time.Millisecond {
			t.Errorf("RTCP after %v, want 200ms", d)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
