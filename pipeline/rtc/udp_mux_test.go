package rtc_test

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// countingConn counts the packets read from each remote address.
type countingConn struct {
	net.PacketConn
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		c.mu.Lock()
		c.reads[addr.String()]++
		c.mu.Unlock()
	}
	return n, addr, err
}

func (c *countingConn) peers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.reads)
}

// TestSharedUDPConn connects two peers with sockets of their own to two
// PeerConnections of two APIs that share one socket (as the room's
// publisher and subscriber APIs do), and checks that all the traffic goes
// through that socket and none goes astray (two muxes reading one socket
// would each drop the packets of the other's connections).
func TestSharedUDPConn(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	conn := &countingConn{PacketConn: udp, reads: map[string]int{}}
	defer conn.Close()
	var peers pcs
	defer peers.close()
	shared := rtc.Options{UDPConn: conn, NACKGenerator: true}.WithSharedUDPMux()
	sub := shared
	sub.NACKGenerator, sub.NACKResponder = false, true
	peerAPI := newAPI(t, rtc.Options{LoopbackOnly: true})
	port := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)

	for i, o := range []rtc.Options{shared, sub} {
		answer := connect(t, peers.new(t, peerAPI), peers.new(t, newAPI(t, o)))
		cands := candidates(answer)
		if len(cands) == 0 {
			t.Fatalf("pc %d: answer without candidates", i)
		}
		for _, c := range cands {
			if f := strings.Fields(c); len(f) < 8 || f[2] != "udp" || f[4] != "127.0.0.1" || f[5] != port || f[7] != "host" {
				t.Errorf("pc %d: candidate %q, want udp host 127.0.0.1:%s", i, c, port)
			}
		}
	}
	if n := conn.peers(); n != 2 {
		t.Errorf("the shared socket read from %d peers, want 2", n)
	}
}

// TestSocketPerPeerConnection checks the default, without UDPConn: each
// PeerConnection gathers on sockets of its own.
func TestSocketPerPeerConnection(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var peers pcs
	defer peers.close()
	api := newAPI(t, rtc.Options{LoopbackOnly: true})
	ports := map[string]bool{}
	for range 2 {
		answer := connect(t, peers.new(t, api), peers.new(t, api))
		for _, c := range candidates(answer) {
			ports[strings.Fields(c)[5]] = true
		}
	}
	if len(ports) != 2 {
		t.Errorf("two offers used %d ports, want 2", len(ports))
	}
}

func newAPI(t *testing.T, o rtc.Options) *rtc.API {
	t.Helper()
	api, err := rtc.NewAPI(o)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// pcs closes the PeerConnections of a test, before its leak check.
type pcs []*webrtc.PeerConnection

func (p *pcs) new(t *testing.T, api *rtc.API) *webrtc.PeerConnection {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	*p = append(*p, pc)
	return pc
}

func (p *pcs) close() {
	for _, pc := range *p {
		_ = pc.Close()
	}
}

// messages is how many unreliable data channel messages connect sends: on
// loopback they all arrive, unless a socket's packets go astray.
const messages = 50

// connect negotiates an unreliable data channel from offerer to answerer
// without trickle ICE, waits until every message the offerer sends on it
// arrives at the answerer, and returns the answer.
func connect(t *testing.T, offerer, answerer *webrtc.PeerConnection) string {
	t.Helper()
	unordered, noRetransmits := false, uint16(0)
	dc, err := offerer.CreateDataChannel("test", &webrtc.DataChannelInit{Ordered: &unordered, MaxRetransmits: &noRetransmits})
	if err != nil {
		t.Fatal(err)
	}
	dc.OnOpen(func() {
		for range messages {
			_ = dc.SendText("hello")
		}
	})
	var got atomic.Int32
	answerer.OnDataChannel(func(d *webrtc.DataChannel) {
		d.OnMessage(func(webrtc.DataChannelMessage) { got.Add(1) })
	})
	offer := describe(t, offerer, func() (webrtc.SessionDescription, error) { return offerer.CreateOffer(nil) })
	if err := answerer.SetRemoteDescription(offer); err != nil {
		t.Fatal(err)
	}
	answer := describe(t, answerer, func() (webrtc.SessionDescription, error) { return answerer.CreateAnswer(nil) })
	if err := offerer.SetRemoteDescription(answer); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); got.Load() < messages; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d data channel messages arrived within 10s", got.Load(), messages)
		}
	}
	return answer.SDP
}

// describe creates and applies a local description and returns it once ICE
// gathering is complete.
func describe(t *testing.T, pc *webrtc.PeerConnection, create func() (webrtc.SessionDescription, error)) webrtc.SessionDescription {
	t.Helper()
	d, err := create()
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(10 * time.Second):
		t.Fatal("ICE gathering did not complete within 10s")
	}
	return *pc.LocalDescription()
}

// candidates returns the a=candidate values of an SDP.
func candidates(sdp string) []string {
	var out []string
	for _, l := range strings.Split(sdp, "\r\n") {
		if c, ok := strings.CutPrefix(l, "a=candidate:"); ok {
			out = append(out, c)
		}
	}
	return out
}
