package rtc_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// firstDTLSLost is a socket that loses the first DTLS packet it reads, as
// a peer does when the packet comes before its DTLS transport has started.
type firstDTLSLost struct {
	net.PacketConn
	mu   sync.Mutex
	lost bool
}

func (c *firstDTLSLost) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil || n == 0 || b[0] < 20 || b[0] > 63 { // RFC 7983: DTLS is 20..63
			return n, addr, err
		}
		c.mu.Lock()
		drop := !c.lost
		c.lost = true
		c.mu.Unlock()
		if !drop {
			return n, addr, err
		}
	}
}

// TestConnectsAfterLostHandshakePacket: a PeerConnection whose first DTLS
// packet is lost must connect well before pion's default retransmission
// (a second): a job whose subscription lost it started a second late.
func TestConnectsAfterLostHandshakePacket(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	lossy := &firstDTLSLost{PacketConn: udp}
	offerAPI, err := rtc.NewAPI(rtc.Options{UDPConn: lossy})
	if err != nil {
		t.Fatal(err)
	}
	answerAPI, err := rtc.NewAPI(rtc.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	offerer, answerer := newPC(t, offerAPI), newPC(t, answerAPI)
	defer func() {
		closePC(t, offerer)
		closePC(t, answerer)
		_ = udp.Close()
	}()
	if _, err := offerer.CreateDataChannel("signal", nil); err != nil {
		t.Fatal(err)
	}
	connected := make(chan time.Time, 1)
	offerer.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			connected <- time.Now()
		}
	})
	start := time.Now()
	exchange(t, offerer, answerer)
	select {
	case at := <-connected:
		lossy.mu.Lock()
		lost := lossy.lost
		lossy.mu.Unlock()
		if !lost {
			t.Fatal("no DTLS packet was lost: the test tests nothing")
		}
		if d := at.Sub(start); d > 800*time.Millisecond {
			t.Errorf("connected %v after the offer with the first DTLS packet lost, want it sent again sooner than pion's default second", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not connected")
	}
}

func newPC(t *testing.T, api *rtc.API) *webrtc.PeerConnection {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

func closePC(t *testing.T, pc *webrtc.PeerConnection) {
	t.Helper()
	if err := pc.Close(); err != nil {
		t.Error(err)
	}
}

// exchange runs offer and answer between the two, each with its
// candidates gathered.
func exchange(t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	local := func(pc *webrtc.PeerConnection, d webrtc.SessionDescription) webrtc.SessionDescription {
		gathered := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(d); err != nil {
			t.Fatal(err)
		}
		<-gathered
		return *pc.LocalDescription()
	}
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := answerer.SetRemoteDescription(local(offerer, offer)); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := offerer.SetRemoteDescription(local(answerer, answer)); err != nil {
		t.Fatal(err)
	}
}
