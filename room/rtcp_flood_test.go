package room

import (
	"context"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/test/testutil"
)

// floodSSRCs is how many random SSRCs a hostile peer's RTCP names, and
// floodMaxGrowth what the room's heap may grow by for them. Before the
// stream guard the room kept a read stream and a buffer of at least 2 KB
// per SSRC: 26 MB for 10,000.
const (
	floodSSRCs     = 10000
	floodMaxGrowth = 5 << 20
)

// TestPublisherRTCPFloodBounded: a publisher whose receiver reports name
// 10,000 random SSRCs grows the room's heap by less than floodMaxGrowth and
// is sent away; the room still serves the others.
func TestPublisherRTCPFloodBounded(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("flood"); err != nil {
		t.Fatal(err)
	}
	mallory := newTestPublisher(t, m, "flood", "mallory")
	testutil.Eventually(t, 10*time.Second, "mallory's two tracks", func() bool {
		info, err := m.Get("flood")
		return err == nil && len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	floodRTCP(t, m, mallory.pc, roomGuards(t, m, "flood")[0])

	newTestPublisher(t, m, "flood", "alice")
	sub := newTestSubscriber(t, m, "flood", subscriberSetup{})
	testutil.Eventually(t, 10*time.Second, "alice's media at a subscriber after the flood", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 2 && sub.receiving(trackIDs(ts), 20)
	})
}

// TestSubscriberRTCPFloodBounded: the same from a subscriber; the others
// keep receiving.
func TestSubscriberRTCPFloodBounded(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("flood"); err != nil {
		t.Fatal(err)
	}
	newTestPublisher(t, m, "flood", "alice")
	var subs []*testSubscriber
	for range 2 {
		sub := newTestSubscriber(t, m, "flood", subscriberSetup{})
		testutil.Eventually(t, 10*time.Second, "media at a subscriber", func() bool {
			ts, _ := sub.lastTrackList()
			return len(ts) == 2 && sub.receiving(trackIDs(ts), 20)
		})
		subs = append(subs, sub)
	}
	guards := roomGuards(t, m, "flood")
	floodRTCP(t, m, subs[1].pc, guards[len(guards)-1])
	ts, _ := subs[0].lastTrackList()
	before := subs[0].track(ts[0].ID).received()
	testutil.Eventually(t, 10*time.Second, "media at the other subscriber after the flood", func() bool {
		return subs[0].receiving(trackIDs(ts), before+20)
	})
}

// floodRTCP sends receiver reports about floodSSRCs random SSRCs from pc,
// until the room, whose guard of pc's peer is guard, sends the peer away.
// It checks the room's heap growth then.
func floodRTCP(t *testing.T, m *Manager, pc *webrtc.PeerConnection, guard *rtc.StreamGuard) {
	t.Helper()
	base := heapInUse()
	rng := rand.New(rand.NewPCG(1, 2))
	for sent := 0; sent < floodSSRCs && !guard.Stats().Flooded; {
		rr := &rtcp.ReceiverReport{SSRC: rng.Uint32()}
		for ; len(rr.Reports) < 31 && sent < floodSSRCs; sent++ {
			rr.Reports = append(rr.Reports, rtcp.ReceptionReport{SSRC: rng.Uint32()})
		}
		if err := pc.WriteRTCP([]rtcp.Packet{rr}); err != nil {
			break // the room has closed the connection
		}
		time.Sleep(200 * time.Microsecond) // no socket buffer overflow
	}
	testutil.Eventually(t, 5*time.Second, "the flooding peer sent away", func() bool {
		return guard.Stats().Flooded && !slices.Contains(roomGuards(t, m, "flood"), guard)
	})
	grown := int64(heapInUse()) - int64(base)
	t.Logf("RTCP for random SSRCs: heap in use grew by %d KB; %+v", grown>>10, guard.Stats())
	if grown > floodMaxGrowth {
		t.Errorf("heap in use grew by %d KB, want < %d KB", grown>>10, floodMaxGrowth>>10)
	}
}

// heapInUse is the heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// roomGuards returns the stream guards of a room's publishers, then its
// subscribers.
func roomGuards(t *testing.T, m *Manager, name string) []*rtc.StreamGuard {
	t.Helper()
	ps, ss := roomPeers(t, m, name)
	var gs []*rtc.StreamGuard
	for _, p := range ps {
		gs = append(gs, p.guard)
	}
	for _, s := range ss {
		gs = append(gs, s.guard)
	}
	return gs
}

// TestPublisherRTPFloodBounded: a publisher whose video packets each carry
// a new random SSRC grows the room's heap by less than floodMaxGrowth and
// is sent away.
func TestPublisherRTPFloodBounded(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("flood"); err != nil {
		t.Fatal(err)
	}
	scr := &ssrcScrambler{rng: rand.New(rand.NewPCG(3, 4))}
	pc, video := scramblingPublisher(t, m, scr)
	testutil.Eventually(t, 10*time.Second, "the publisher connected", func() bool {
		return pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	guard := roomGuards(t, m, "flood")[0]
	base := heapInUse()
	scr.on.Store(true)
	for i := 0; i < floodSSRCs && !guard.Stats().Flooded; i++ {
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i) * 3000}, Payload: []byte{0x10, 0x11, 0x00, 0x00}}
		if err := video.WriteRTP(pkt); err != nil {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	testutil.Eventually(t, 5*time.Second, "the flooding publisher sent away", func() bool {
		return guard.Stats().Flooded && len(roomGuards(t, m, "flood")) == 0
	})
	grown := int64(heapInUse()) - int64(base)
	t.Logf("RTP from random SSRCs: heap in use grew by %d KB; %+v", grown>>10, guard.Stats())
	if grown > floodMaxGrowth {
		t.Errorf("heap in use grew by %d KB, want < %d KB", grown>>10, floodMaxGrowth>>10)
	}
}

// ssrcScrambler is a sender interceptor that, once on, gives every RTP
// packet a new random SSRC.
type ssrcScrambler struct {
	interceptor.NoOp
	on  atomic.Bool
	mu  sync.Mutex
	rng *rand.Rand
}

func (s *ssrcScrambler) NewInterceptor(string) (interceptor.Interceptor, error) { return s, nil }

func (s *ssrcScrambler) BindLocalStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if s.on.Load() {
			s.mu.Lock()
			scrambled := *h
			scrambled.SSRC = s.rng.Uint32()
			s.mu.Unlock()
			h = &scrambled
		}
		return w.Write(h, payload, a)
	})
}

// scramblingPublisher publishes a VP8 track through scr.
func scramblingPublisher(t *testing.T, m *Manager, scr *ssrcScrambler) (*webrtc.PeerConnection, *webrtc.TrackLocalStaticRTP) {
	t.Helper()
	me := &webrtc.MediaEngine{}
	for _, c := range rtc.Codecs() {
		if c.MimeType == webrtc.MimeTypeVP8 {
			if err := me.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
				t.Fatal(err)
			}
		}
	}
	reg := &interceptor.Registry{}
	reg.Add(scr)
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPublisher{t: t, pc: pc, stop: make(chan struct{})}
	t.Cleanup(func() {
		_ = pc.Close()
		p.wg.Wait()
	})
	video := p.addTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video")
	sess, err := m.PublishWith(context.Background(), "flood", PublishOptions{Name: "mallory", OfferSDP: p.offer()})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sess.AnswerSDP}); err != nil {
		t.Fatal(err)
	}
	return pc, video
}
