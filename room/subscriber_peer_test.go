package room

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// testSubscriber is the client side of a subscription: it offers the signal
// data channel, then answers every offer the room sends over it and records
// what arrives on each track.
type testSubscriber struct {
	t       *testing.T
	pc      *webrtc.PeerConnection
	dc      *webrtc.DataChannel
	session Session
	mute    bool // never answer offers

	offers   chan rtc.Signal
	dcClosed chan struct{}
	stop     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup

	mu         sync.Mutex
	trackLists [][]rtc.TrackInfo
	tracks     map[string]*recvTrack
}

// recvTrack records one received track.
type recvTrack struct {
	id, kind string
	ssrc     uint32
	ended    chan struct{}

	mu     sync.Mutex
	seqs   []uint16
	first  []byte
	lastTS uint32
	srs    []receivedSR
}

type receivedSR struct {
	sr      *rtcp.SenderReport
	arrival time.Time
	lastTS  uint32 // timestamp of the last packet received before it
	packets int
}

type subscriberSetup struct {
	exclude  string
	recvonly bool // the first offer also has recvonly audio and video m-lines
	mute     bool
}

func newTestSubscriber(t *testing.T, m *Manager, roomName string, o subscriberSetup) *testSubscriber {
	t.Helper()
	api, err := rtc.NewAPI(rtc.Options{LoopbackOnly: true, NACKGenerator: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	s := &testSubscriber{
		t: t, pc: pc, mute: o.mute, offers: make(chan rtc.Signal, 16), dcClosed: make(chan struct{}),
		stop: make(chan struct{}), tracks: map[string]*recvTrack{},
	}
	t.Cleanup(s.close)
	if s.dc, err = pc.CreateDataChannel(rtc.SignalLabel, nil); err != nil {
		t.Fatal(err)
	}
	s.dc.OnMessage(s.onMessage)
	s.dc.OnClose(func() { close(s.dcClosed) })
	pc.OnTrack(s.onTrack)
	if o.recvonly {
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
			if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				t.Fatal(err)
			}
		}
	}
	offer := s.localDescription(pc.CreateOffer(nil))
	sess, err := m.Subscribe(context.Background(), roomName, SubscribeOptions{Name: "test subscriber", ExcludeParticipant: o.exclude, OfferSDP: offer})
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	s.session = sess
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sess.AnswerSDP}); err != nil {
		t.Fatal(err)
	}
	s.wg.Add(1)
	go s.signalLoop()
	return s
}

func (s *testSubscriber) localDescription(desc webrtc.SessionDescription, err error) string {
	if err != nil {
		s.failUnlessClosing("create description: %v", err)
		return ""
	}
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(desc); err != nil {
		s.failUnlessClosing("set local description: %v", err)
		return ""
	}
	<-gathered
	return s.pc.LocalDescription().SDP
}

// failUnlessClosing fails the test unless the test's cleanup has already
// closed the PeerConnection: an offer that arrives while the test ends may
// be answered by a connection that is being closed under it.
func (s *testSubscriber) failUnlessClosing(format string, args ...any) {
	select {
	case <-s.stop:
		s.t.Logf("while closing: "+format, args...)
	default:
		s.t.Errorf(format, args...)
	}
}

func (s *testSubscriber) onMessage(msg webrtc.DataChannelMessage) {
	var sig rtc.Signal
	if err := json.Unmarshal(msg.Data, &sig); err != nil {
		s.t.Errorf("bad signal from room: %v", err)
		return
	}
	select {
	case s.offers <- sig:
	case <-s.stop:
	}
}

// signalLoop answers the room's offers.
func (s *testSubscriber) signalLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case sig := <-s.offers:
			s.mu.Lock()
			s.trackLists = append(s.trackLists, sig.Tracks)
			s.mu.Unlock()
			if !s.mute {
				s.answer(sig)
			}
		}
	}
}

func (s *testSubscriber) answer(sig rtc.Signal) {
	if sig.Type != rtc.SignalOffer {
		s.t.Errorf("signal type %q from room", sig.Type)
		return
	}
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sig.SDP}); err != nil {
		s.failUnlessClosing("apply room offer: %v", err)
		return
	}
	answer := s.localDescription(s.pc.CreateAnswer(nil))
	if answer == "" {
		return
	}
	b, _ := json.Marshal(rtc.Signal{Type: rtc.SignalAnswer, SDP: answer})
	if err := s.dc.SendText(string(b)); err != nil {
		s.t.Logf("send answer: %v", err)
	}
}

func (s *testSubscriber) onTrack(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	rt := &recvTrack{id: tr.ID(), kind: tr.Kind().String(), ssrc: uint32(tr.SSRC()), ended: make(chan struct{})}
	s.mu.Lock()
	s.tracks[rt.id] = rt
	s.mu.Unlock()
	go rt.readRTCP(recv)
	defer close(rt.ended)
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		rt.mu.Lock()
		if len(rt.seqs) == 0 {
			rt.first = pkt.Payload
		}
		rt.seqs = append(rt.seqs, pkt.SequenceNumber)
		rt.lastTS = pkt.Timestamp
		rt.mu.Unlock()
	}
}

func (rt *recvTrack) readRTCP(recv *webrtc.RTPReceiver) {
	for {
		pkts, _, err := recv.ReadRTCP()
		if err != nil {
			return
		}
		now := time.Now()
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == rt.ssrc {
				rt.mu.Lock()
				rt.srs = append(rt.srs, receivedSR{sr: sr, arrival: now, lastTS: rt.lastTS, packets: len(rt.seqs)})
				rt.mu.Unlock()
			}
		}
	}
}

func (rt *recvTrack) snapshot() (seqs []uint16, first []byte, srs []receivedSR) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]uint16(nil), rt.seqs...), rt.first, append([]receivedSR(nil), rt.srs...)
}

func (rt *recvTrack) received() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.seqs)
}

func (s *testSubscriber) track(id string) *recvTrack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracks[id]
}

// lastTrackList returns the track list of the last offer.
func (s *testSubscriber) lastTrackList() ([]rtc.TrackInfo, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.trackLists) == 0 {
		return nil, 0
	}
	return s.trackLists[len(s.trackLists)-1], len(s.trackLists)
}

// receiving reports whether every listed track has at least n packets.
func (s *testSubscriber) receiving(ids []string, n int) bool {
	for _, id := range ids {
		rt := s.track(id)
		if rt == nil || rt.received() < n {
			return false
		}
	}
	return true
}

func (s *testSubscriber) close() {
	s.once.Do(func() {
		close(s.stop)
		_ = s.pc.Close()
		s.wg.Wait()
	})
}
