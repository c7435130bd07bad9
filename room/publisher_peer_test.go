package room

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// testPublisher is a WHIP-like pion publisher that sends synthetic VP8 (or
// H.264) and Opus RTP: 50 frames and 50 audio packets a second, a 3-packet
// keyframe every 25 frames. Payloads do not decode but their VP8
// descriptors and frame tags, or H.264 NAL headers, are realistic.
type testPublisher struct {
	t            *testing.T
	pc           *webrtc.PeerConnection
	video, audio *webrtc.TrackLocalStaticRTP
	// screen, when set, is a second video track sending what video sends.
	screen     *webrtc.TrackLocalStaticRTP
	videoCodec media.Codec
	session    Session

	plis    atomic.Int32
	nacks   atomic.Int32
	frames  atomic.Int32
	started atomic.Int64 // unix nanos of RTP time 0 on both tracks
	stop    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

func newTestPublisher(t *testing.T, m *Manager, roomName, name string) *testPublisher {
	t.Helper()
	return newTestPublisherWith(t, m, roomName, name, media.CodecVP8)
}

func newTestPublisherWith(t *testing.T, m *Manager, roomName, name string, video media.Codec) *testPublisher {
	t.Helper()
	p, offer := newTestPublisherOfferWith(t, video)
	return p.publish(m, roomName, name, offer)
}

// publish publishes the offer and starts sending once connected.
func (p *testPublisher) publish(m *Manager, roomName, name, offer string) *testPublisher {
	p.t.Helper()
	return p.publishWith(m, roomName, PublishOptions{Name: name, OfferSDP: offer})
}

// publishWith is publish with every option.
func (p *testPublisher) publishWith(m *Manager, roomName string, o PublishOptions) *testPublisher {
	t := p.t
	t.Helper()
	sess, err := m.PublishWith(context.Background(), roomName, o)
	if err != nil {
		p.close()
		t.Fatalf("publish %s: %v", o.Name, err)
	}
	p.session = sess
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sess.AnswerSDP}); err != nil {
		p.close()
		t.Fatalf("apply answer: %v", err)
	}
	p.wg.Add(1)
	go p.sendLoop()
	t.Cleanup(p.close)
	return p
}

// newTestPublisherOffer builds the publisher's PeerConnection and its
// complete offer, without publishing.
func newTestPublisherOffer(t *testing.T) (*testPublisher, string) {
	t.Helper()
	return newTestPublisherOfferWith(t, media.CodecVP8)
}

func newTestPublisherOfferWith(t *testing.T, video media.Codec) (*testPublisher, string) {
	t.Helper()
	return newTestPublisherOfferOn(t, video, rtc.Options{})
}

// newTestPublisherOfferOn is newTestPublisherOfferWith on the ICE network
// of o (its interceptor options are the publisher's own).
func newTestPublisherOfferOn(t *testing.T, video media.Codec, o rtc.Options) (*testPublisher, string) {
	t.Helper()
	p := newTestPublisherPC(t, video, o)
	return p, p.offer()
}

// newTestPublisherPC builds the publisher's PeerConnection with its video
// (msid track id "video") and audio ("audio") tracks; tracks added before
// offer are sent too.
func newTestPublisherPC(t *testing.T, video media.Codec, o rtc.Options) *testPublisher {
	t.Helper()
	o.LoopbackOnly, o.SenderReports, o.NACKResponder, o.NACKGenerator = true, true, true, false
	api, err := rtc.NewAPI(o)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPublisher{t: t, pc: pc, videoCodec: video, stop: make(chan struct{})}
	capa := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	if video == media.CodecH264 {
		capa = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: rtc.H264Fmtp("42e01f")}
	}
	p.video = p.addTrack(capa, "video")
	p.audio = p.addTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio")
	return p
}

// addScreen adds a second video track, in the codec of the first, whose
// msid track id is id.
func (p *testPublisher) addScreen(id string) {
	p.screen = p.addTrack(p.video.Codec(), id)
}

// offer returns the publisher's complete offer.
func (p *testPublisher) offer() string {
	t := p.t
	t.Helper()
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return p.pc.LocalDescription().SDP
}

func (p *testPublisher) addTrack(c webrtc.RTPCodecCapability, id string) *webrtc.TrackLocalStaticRTP {
	tr, err := webrtc.NewTrackLocalStaticRTP(c, id, "stream")
	if err != nil {
		p.t.Fatal(err)
	}
	x, err := p.pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		p.t.Fatal(err)
	}
	p.wg.Add(1)
	go p.readRTCP(x.Sender())
	return tr
}

func (p *testPublisher) readRTCP(s *webrtc.RTPSender) {
	defer p.wg.Done()
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk.(type) {
			case *rtcp.PictureLossIndication:
				p.plis.Add(1)
			case *rtcp.TransportLayerNack:
				p.nacks.Add(1)
			}
		}
	}
}

// sendLoop waits for the connection, then sends until closed.
func (p *testPublisher) sendLoop() {
	defer p.wg.Done()
	if !waitUntil(p.stop, 10*time.Second, func() bool {
		return p.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	}) {
		return
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	p.started.Store(start.UnixNano())
	seqs := frameSeqs{video: 1000, audio: 5000, screen: 9000}
	for frame := 0; ; {
		// Catch up with the wall clock, so RTP time follows it as a
		// capturing publisher's does.
		for ; time.Duration(frame)*20*time.Millisecond <= time.Since(start); frame++ {
			p.sendFrame(frame, &seqs)
		}
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
	}
}

// frameSeqs are the next RTP sequence numbers of the publisher's tracks.
type frameSeqs struct{ video, audio, screen uint16 }

func (p *testPublisher) sendFrame(frame int, seqs *frameSeqs) {
	packets := vp8Frame(frame)
	if p.videoCodec == media.CodecH264 {
		packets = h264Frame(frame)
	}
	for _, pl := range packets {
		p.write(p.video, &seqs.video, uint32(frame*1800), pl.payload, pl.marker)
		if p.screen != nil {
			p.write(p.screen, &seqs.screen, uint32(frame*1800), pl.payload, pl.marker)
		}
	}
	p.write(p.audio, &seqs.audio, uint32(frame*960), []byte{0xfc, 0xff, 0xfe, byte(frame)}, false)
	p.frames.Add(1)
}

// rtpTimeAt returns the RTP timestamp the publisher's media has at t.
func (p *testPublisher) rtpTimeAt(t time.Time, rate uint32) uint32 {
	return rtpTicks(t.Sub(time.Unix(0, p.started.Load())), rate)
}

func (p *testPublisher) write(tr *webrtc.TrackLocalStaticRTP, seq *uint16, ts uint32, payload []byte, marker bool) {
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: *seq, Timestamp: ts, Marker: marker}, Payload: payload}
	*seq++
	_ = tr.WriteRTP(pkt)
}

type videoPacket struct {
	payload []byte
	marker  bool
}

// vp8Frame returns the RTP payloads of one frame (RFC 7741): a keyframe of
// three packets every 25 frames, else one inter-frame packet.
func vp8Frame(n int) []videoPacket {
	if n%25 != 0 {
		return []videoPacket{{payload: []byte{0x10, 0x11, 0x00, 0x00, byte(n)}, marker: true}}
	}
	// S=1 PID=0; frame tag: keyframe, version 0, show_frame; start code;
	// 640x360.
	first := []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}
	return []videoPacket{
		{payload: first},
		{payload: []byte{0x00, 0xaa, 0xbb, 0xcc}},
		{payload: []byte{0x00, 0xdd, 0xee, 0xff}, marker: true},
	}
}

// h264Frame returns the RTP payloads of one frame (RFC 6184, packetization
// mode 1): a keyframe as a STAP-A with SPS and PPS and an IDR slice in three
// FU-A fragments every 25 frames, else one non-IDR slice.
func h264Frame(n int) []videoPacket {
	if n%25 != 0 {
		return []videoPacket{{payload: []byte{0x41, 0x9a, 0x00, byte(n)}, marker: true}}
	}
	return []videoPacket{
		{payload: []byte{0x78, 0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f, 0x00, 0x02, 0x68, 0xce}},
		{payload: []byte{0x7c, 0x85, 0x88, 0x84}},
		{payload: []byte{0x7c, 0x05, 0x21, 0x22}},
		{payload: []byte{0x7c, 0x45, 0x23, 0x24}, marker: true},
	}
}

func (p *testPublisher) close() {
	p.once.Do(func() {
		close(p.stop)
		_ = p.pc.Close()
		p.wg.Wait()
	})
}

// waitUntil polls cond every 10 ms until it holds, the timeout passes or
// stop closes.
func waitUntil(stop <-chan struct{}, timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-stop:
			return false
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
	return true
}
