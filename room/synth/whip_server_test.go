package synth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

const (
	testToken = "s3cret-test-token"
	testRoom  = "room-1"
)

// testWHIPServer is a minimal WHIP endpoint: it answers offers with a
// receive-only pion PeerConnection that counts what arrives.
type testWHIPServer struct {
	t   *testing.T
	srv *httptest.Server
	api *rtc.API

	mu      sync.Mutex
	peers   map[string]*testPeer
	nextID  int
	deleted []string
	names   []string
}

func newTestWHIPServer(t *testing.T) *testWHIPServer {
	t.Helper()
	api, err := rtc.NewAPI(rtc.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &testWHIPServer{t: t, api: api, peers: map[string]*testPeer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/rooms/{room}/whip", s.post)
	mux.HandleFunc("DELETE /v1/rooms/{room}/whip/{id}", s.delete)
	s.srv = httptest.NewServer(mux)
	return s
}

// close ends the HTTP server and every peer still open.
func (s *testWHIPServer) close() {
	s.srv.Close()
	s.mu.Lock()
	peers := s.peers
	s.peers = map[string]*testPeer{}
	s.mu.Unlock()
	for _, p := range peers {
		p.close()
	}
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (s *testWHIPServer) post(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		writeJSONError(w, http.StatusUnauthorized, "invalid API key")
		return
	}
	if r.PathValue("room") != testRoom {
		writeJSONError(w, http.StatusNotFound, "room not found")
		return
	}
	if r.Header.Get("Content-Type") != "application/sdp" {
		writeJSONError(w, http.StatusUnsupportedMediaType, "want application/sdp")
		return
	}
	offer, _ := io.ReadAll(r.Body)
	p, answer, err := newTestPeer(s.api, string(offer))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	id := s.add(p, r.URL.Query().Get("name"))
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", fmt.Sprintf("/v1/rooms/%s/whip/%s", testRoom, id))
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, answer)
}

func (s *testWHIPServer) add(p *testPeer, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := fmt.Sprintf("p%d", s.nextID)
	s.peers[id] = p
	s.names = append(s.names, name)
	return id
}

func (s *testWHIPServer) delete(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		writeJSONError(w, http.StatusUnauthorized, "invalid API key")
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	p := s.peers[id]
	s.mu.Unlock()
	if p == nil {
		writeJSONError(w, http.StatusNotFound, "no such session")
		return
	}
	p.drain()
	p.close() // counts are final from here on
	s.mu.Lock()
	s.deleted = append(s.deleted, id)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *testWHIPServer) peer(id string) *testPeer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peers[id]
}

func (s *testWHIPServer) deletedIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deleted...)
}

func (s *testWHIPServer) firstPeer() *testPeer { return s.peer("p1") }

// testPeer receives one publisher's tracks and counts them.
type testPeer struct {
	pc      *webrtc.PeerConnection
	readers sync.WaitGroup
	once    sync.Once

	videoSSRC     atomic.Uint32
	videoFrames   atomic.Uint64 // RTP packets with the marker bit
	videoKeys     atomic.Uint64 // complete frames that hold a keyframe
	audioPackets  atomic.Uint64
	firstFrameKey atomic.Int32 // 0 unknown, 1 key, -1 not key
	streamIDs     sync.Map     // kind -> stream id

	offer            string   // the SDP offer
	audioLog, screen rtpLog   // every audio and screen-track packet
	videoLog         rtpLog   // every camera-track packet
	codecs           sync.Map // kind -> MIME type
	senderReports    srLog

	mu     sync.Mutex
	closed bool
	keyAt  []uint64 // arrival number (1-based) of each complete keyframe
}

func newTestPeer(api *rtc.API, offer string) (*testPeer, string, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	p := &testPeer{pc: pc, offer: offer}
	pc.OnTrack(p.onTrack)
	answer, err := answerOffer(pc, offer)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	return p, answer, nil
}

func answerOffer(pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		return "", fmt.Errorf("answer: ICE gathering timed out")
	}
	return pc.LocalDescription().SDP, nil
}

func (p *testPeer) close() {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true // no reader starts after this
		p.mu.Unlock()
		p.pc.Close()
		p.readers.Wait()
	})
}

func (p *testPeer) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	p.streamIDs.Store(track.Kind().String(), track.StreamID())
	p.codecs.Store(track.Kind().String(), track.Codec().MimeType)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.readers.Go(func() { p.senderReports.read(receiver) })
	p.readers.Add(1)
	go func() {
		defer p.readers.Done()
		if track.Kind() == webrtc.RTPCodecTypeAudio {
			p.readAudio(track)
			return
		}
		if strings.HasPrefix(track.ID(), screenTrackID) {
			p.screen.read(track)
			return
		}
		p.videoSSRC.Store(uint32(track.SSRC()))
		p.readVideo(track, strings.EqualFold(track.Codec().MimeType, webrtc.MimeTypeH264))
	}()
}

func (p *testPeer) readAudio(track *webrtc.TrackRemote) {
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		p.audioLog.add(pkt)
		p.audioPackets.Add(1)
	}
}

func (p *testPeer) readVideo(track *webrtc.TrackRemote, h264 bool) {
	key := false
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		p.videoLog.add(pkt)
		key = key || packetHasKeyframe(pkt, h264)
		if pkt.Marker {
			p.frameDone(key)
			key = false
		}
	}
}

func (p *testPeer) frameDone(key bool) {
	n := p.videoFrames.Add(1)
	if n == 1 {
		p.firstFrameKey.Store(map[bool]int32{true: 1, false: -1}[key])
	}
	if key {
		p.videoKeys.Add(1)
		p.mu.Lock()
		p.keyAt = append(p.keyAt, n)
		p.mu.Unlock()
	}
}

// keyframeAfter returns the arrival number of the first keyframe after
// frame n, or 0.
func (p *testPeer) keyframeAfter(n uint64) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range p.keyAt {
		if k > n {
			return k
		}
	}
	return 0
}

// drain waits, at most a second, until no more packets arrive, as a
// server would before tearing a session down.
func (p *testPeer) drain() {
	total := func() uint64 { return p.videoFrames.Load() + p.audioPackets.Load() }
	last := total()
	for range 20 {
		time.Sleep(50 * time.Millisecond)
		now := total()
		if now == last {
			return
		}
		last = now
	}
}

func (p *testPeer) sendPLI() error {
	return p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: p.videoSSRC.Load()}})
}

// packetHasKeyframe looks for the start of a keyframe: a VP8 partition 0
// start with the P bit clear (RFC 7741), or an H.264 IDR slice in a single
// NAL unit, STAP-A or FU-A packet (RFC 6184).
func packetHasKeyframe(pkt *rtp.Packet, h264 bool) bool {
	if !h264 {
		var vp8 codecs.VP8Packet
		if _, err := vp8.Unmarshal(pkt.Payload); err != nil {
			return false
		}
		return vp8.S == 1 && vp8.PID == 0 && len(vp8.Payload) > 0 && vp8.Payload[0]&0x01 == 0
	}
	return h264HasIDR(pkt.Payload)
}

func h264HasIDR(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	switch b[0] & 0x1f {
	case 24: // STAP-A: 16-bit size, NAL unit, ...
		for i := 1; i+2 < len(b); {
			size := int(b[i])<<8 | int(b[i+1])
			if i+2 < len(b) && h264.Type(b[i+2:]) == h264.NALUTypeIDR {
				return true
			}
			i += 2 + size
		}
		return false
	case 28: // FU-A: the start fragment of an IDR
		return b[1]&0x80 != 0 && h264.Type(b[1:]) == h264.NALUTypeIDR
	default:
		return h264.Type(b) == h264.NALUTypeIDR
	}
}
