package source_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestIngestSurvivesHostilePublisher publishes, over WHIP into a real room,
// a VP8 and an Opus track that interleave valid frames with garbage:
// random, empty and oversized payloads, truncated VP8 descriptors, wild
// sequence number and timestamp jumps, random RTCP and sender reports with
// absurd NTP times. Nothing may panic; the room keeps serving; the ingest
// counts malformed packets and still delivers the valid frames on a sane,
// monotonic timeline; Run returns nil on cancel and nothing leaks.
func TestIngestSurvivesHostilePublisher(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, closeRoom := newTestRoom(t)
	defer closeRoom()
	rec := &unitRecorder{recorder: newRecorder(), units: map[media.Kind][]recordedUnit{}}
	ing := startIngest(t, m, source.Config{Server: srv.URL, Name: "victim", Handler: rec})

	h := newHostilePublisher(t, srv.URL)
	defer h.close()
	testutil.Eventually(t, 10*time.Second, "the hostile publisher connected", func() bool {
		return h.pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	h.send(4 * time.Second)

	info, err := m.Get(e2eRoom)
	if err != nil || len(info.Participants) != 1 || len(info.Participants[0].Tracks) != 2 || info.Subscribers != 1 {
		t.Fatalf("room after the hostile publisher: %+v, %v", info, err)
	}
	// Wait for the last valid frames; the checks below say what is missing.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if rec.lastValid(media.KindVideo) == h.lastValid && rec.lastValid(media.KindAudio) == h.lastValid {
			break
		}
	}
	h.close()
	if err := ing.stop(t); err != nil {
		t.Errorf("Run after cancel: %v, want nil", err)
	}

	t.Logf("sent %d valid frames per track; garbage %v; %d garbage RTCP packets refused by the sender's SRTCP",
		h.lastValid+1, h.garbage, h.rtcpFailed)
	for _, kind := range []media.Kind{media.KindVideo, media.KindAudio} {
		s, ok := trackStats(ing.in, "mallory", kind)
		if !ok {
			t.Fatalf("no %s stats", kind)
		}
		logStats(t, s)
		if s.Malformed == 0 || s.BadTimestamps == 0 {
			t.Errorf("%s: %d malformed packets and %d frames with a timestamp jump counted; want both", kind, s.Malformed, s.BadTimestamps)
		}
		rec.checkValid(t, kind, h.lastValid+1)
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}

// hostileMagic marks the data of a valid frame; the frame index follows.
var hostileMagic = []byte("VALIDFRAME")

// hostilePublisher is a raw pion publisher that writes RTP and RTCP of its
// choice.
type hostilePublisher struct {
	t            *testing.T
	pc           *webrtc.PeerConnection
	video, audio *webrtc.TrackLocalStaticRTP
	vssrc        uint32
	location     string
	server       string
	rng          *rand.Rand
	readers      sync.WaitGroup
	closeOnce    sync.Once

	keyEvery   int // a keyframe every that many frames
	lastValid  int // index of the last valid frame sent
	garbage    map[string]int
	rtcpFailed int

	vseq, aseq uint16
}

func newHostilePublisher(t *testing.T, server string) *hostilePublisher {
	t.Helper()
	api, err := rtc.NewAPI(rtc.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	h := &hostilePublisher{
		t: t, pc: pc, server: server, rng: rand.New(rand.NewPCG(1, 2)), keyEvery: 50,
		garbage: map[string]int{}, vseq: 1000, aseq: 60000,
	}
	h.video = h.addTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video")
	h.audio = h.addTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio")
	h.publish()
	return h
}

func (h *hostilePublisher) addTrack(c webrtc.RTPCodecCapability, id string) *webrtc.TrackLocalStaticRTP {
	tr, err := webrtc.NewTrackLocalStaticRTP(c, id, "mallory")
	if err != nil {
		h.t.Fatal(err)
	}
	x, err := h.pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		h.t.Fatal(err)
	}
	if id == "video" {
		h.vssrc = uint32(x.Sender().GetParameters().Encodings[0].SSRC)
	}
	h.readers.Go(func() {
		for {
			if _, _, err := x.Sender().ReadRTCP(); err != nil {
				return
			}
		}
	})
	return tr
}

// publish does the WHIP exchange (RFC 9725) with the room server.
func (h *hostilePublisher) publish() {
	t := h.t
	offer, err := h.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(h.pc)
	if err := h.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	status, answer, loc := h.request(http.MethodPost, h.server+"/v1/rooms/"+e2eRoom+"/whip?name=mallory", h.pc.LocalDescription().SDP)
	if status != http.StatusCreated {
		t.Fatalf("WHIP publish: status %d: %s", status, answer)
	}
	h.location = loc
	if err := h.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
}

func (h *hostilePublisher) request(method, url, body string) (status int, respBody, location string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// close ends the WHIP session and the PeerConnection. Idempotent.
func (h *hostilePublisher) close() {
	h.closeOnce.Do(func() {
		if h.location != "" {
			h.request(http.MethodDelete, h.server+h.location, "")
		}
		_ = h.pc.Close()
		h.readers.Wait()
		http.DefaultClient.CloseIdleConnections()
	})
}

// send writes, every 20 ms for d, a valid video frame and a valid audio
// packet, each followed now and then by garbage. A sender report goes out
// every second, and 200 ms after it a sender report with an absurd NTP
// time, so that the absurd one is the latest for longer than the room's
// sender report period. Frames due while the sender was not scheduled go
// out at once, so that the RTP time keeps up with the wall clock, as a
// capturing publisher's does.
func (h *hostilePublisher) send(d time.Duration) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for n := 0; n <= int(d/(20*time.Millisecond)); n++ {
		due := start.Add(time.Duration(n) * 20 * time.Millisecond)
		for time.Now().Before(due) {
			<-tick.C
		}
		h.sendFrame(n, due)
	}
}

// sendFrame writes frame n of both tracks, due at due, and now and then
// garbage; and RTCP.
func (h *hostilePublisher) sendFrame(n int, due time.Time) {
	vts, ats := uint32(n*1800), uint32(n*960)
	switch n % 50 {
	case 0:
		h.writeRTCP(&rtcp.SenderReport{SSRC: h.vssrc, NTPTime: ntpTime(due), RTPTime: vts})
	case 10:
		h.absurdSenderReport(vts)
	}
	h.validVideo(n, vts)
	h.validAudio(n, ats)
	h.lastValid = n
	if n > 0 && h.rng.IntN(3) == 0 {
		h.garbageVideo(vts)
	}
	if n > 0 && h.rng.IntN(3) == 0 {
		h.garbageAudio(ats)
	}
	if n > 0 && h.rng.IntN(10) == 0 {
		h.garbageRTCP(vts)
	}
}

// validVideo writes frame n (RFC 7741): a keyframe in two packets every
// keyEvery frames, else an inter frame in one.
func (h *hostilePublisher) validVideo(n int, ts uint32) {
	mark := append(append([]byte(nil), hostileMagic...), byte(n>>8), byte(n))
	if n%h.keyEvery != 0 {
		// S=1 PID=0; frame tag: inter frame, shown, first partition of 0 bytes.
		h.writeVideo(append([]byte{0x10, 0x11, 0x00, 0x00}, mark...), ts, true)
		return
	}
	// Frame tag of a shown keyframe, start code, 640x360.
	h.writeVideo([]byte{0x10, 0x10, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}, ts, false)
	h.writeVideo(append([]byte{0x00}, mark...), ts, true)
}

// validAudio writes packet n: one 20 ms CELT frame (RFC 6716 section 3.1).
func (h *hostilePublisher) validAudio(n int, ts uint32) {
	h.writeAudio(append([]byte{0xfc}, append(append([]byte(nil), hostileMagic...), byte(n>>8), byte(n))...), ts)
}

// garbageVideo writes one kind of garbage on the video track, with the
// timestamp of the last frame unless the garbage is a timestamp jump.
func (h *hostilePublisher) garbageVideo(ts uint32) {
	switch h.rng.IntN(6) {
	case 0:
		h.countGarbage("video random")
		h.writeVideo(h.random(1+h.rng.IntN(200)), ts, h.rng.IntN(2) == 0)
	case 1:
		h.countGarbage("video empty")
		h.writeVideo(nil, ts, true)
	case 2:
		h.countGarbage("video truncated descriptor")
		truncated := [][]byte{{0x90}, {0x90, 0x80}, {0x90, 0xe0, 0x81}, {0x90, 0x40}, {0x10}}
		h.writeVideo(truncated[h.rng.IntN(len(truncated))], ts, true)
	case 3:
		h.countGarbage("video 1200 bytes")
		h.writeVideo(h.random(1200), ts, true)
	case 4:
		h.countGarbage("video sequence jump")
		h.writeRTP(h.video, h.vseq+h.seqJump(), ts, h.random(100), true)
	case 5:
		// A whole inter frame that looks valid, at a wild time.
		h.countGarbage("video timestamp jump")
		h.writeVideo(append([]byte{0x10, 0x11, 0x00, 0x00}, h.random(100)...), h.tsJump(ts), true)
	}
}

// garbageAudio writes one kind of garbage on the audio track.
func (h *hostilePublisher) garbageAudio(ts uint32) {
	switch h.rng.IntN(5) {
	case 0:
		h.countGarbage("audio random")
		h.writeAudio(h.random(1+h.rng.IntN(200)), ts)
	case 1:
		h.countGarbage("audio empty")
		h.writeAudio(nil, ts)
	case 2:
		h.countGarbage("audio 1200 bytes")
		h.writeAudio(h.random(1200), ts)
	case 3:
		h.countGarbage("audio sequence jump")
		h.writeRTP(h.audio, h.aseq+h.seqJump(), ts, h.random(100), false)
	case 4:
		// A packet that looks valid (one 20 ms CELT frame), at a wild time.
		h.countGarbage("audio timestamp jump")
		h.writeAudio(append([]byte{0xfc}, h.random(100)...), h.tsJump(ts))
	}
}

// garbageRTCP writes random RTCP, or a sender report with an absurd NTP
// time.
func (h *hostilePublisher) garbageRTCP(ts uint32) {
	switch h.rng.IntN(3) {
	case 0:
		h.countGarbage("rtcp random")
		h.writeRTCP(randomRTCP(h.random(4 + h.rng.IntN(100))))
	case 1:
		// Looks like RTCP (version 2, a packet type in 192..223), so it
		// passes SRTCP and reaches the room's parsers.
		h.countGarbage("rtcp random with header")
		b := h.random(8 + h.rng.IntN(100))
		b[0], b[1] = 0x80|b[0]&0x3f, byte(192+h.rng.IntN(32))
		h.writeRTCP(randomRTCP(b))
	case 2:
		h.absurdSenderReport(ts)
	}
}

// absurdSenderReport writes a valid sender report for the video whose NTP
// time is absurd: the NTP epoch, the end of NTP era 0, or far from now.
func (h *hostilePublisher) absurdSenderReport(ts uint32) {
	h.countGarbage("rtcp absurd sender report")
	ntp := []uint64{0, 1, 0xffffffffffffffff, ntpTime(time.Now()) + 1000<<32, ntpTime(time.Now()) - 100000<<32}[h.rng.IntN(5)]
	h.writeRTCP(&rtcp.SenderReport{SSRC: h.vssrc, NTPTime: ntp, RTPTime: ts})
}

// seqJump is a wild sequence number jump: back by 64 to 32704. (A jump
// forward by more than the room's SRTP replay window, 1024 packets, would
// make SRTP refuse the publisher's own packets after it, as replays, until
// the sequence catches up: the publisher would only hurt itself.)
func (h *hostilePublisher) seqJump() uint16 {
	return uint16(1<<15 + 64 + h.rng.IntN(1<<15-128))
}

// tsJump is a wild timestamp: at least 2^23 ticks (93 s of video, 175 s of
// audio) away from ts, either way.
func (h *hostilePublisher) tsJump(ts uint32) uint32 {
	return ts + 1<<23 + uint32(h.rng.Uint64N(1<<32-1<<24))
}

func (h *hostilePublisher) countGarbage(kind string) { h.garbage[kind]++ }

func (h *hostilePublisher) random(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(h.rng.Uint32())
	}
	return b
}

func (h *hostilePublisher) writeVideo(payload []byte, ts uint32, marker bool) {
	h.writeRTP(h.video, h.vseq, ts, payload, marker)
	h.vseq++
}

func (h *hostilePublisher) writeAudio(payload []byte, ts uint32) {
	h.writeRTP(h.audio, h.aseq, ts, payload, false)
	h.aseq++
}

func (h *hostilePublisher) writeRTP(tr *webrtc.TrackLocalStaticRTP, seq uint16, ts uint32, payload []byte, marker bool) {
	p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: payload}
	if err := tr.WriteRTP(p); err != nil {
		h.t.Errorf("write rtp: %v", err)
	}
}

func (h *hostilePublisher) writeRTCP(p rtcp.Packet) {
	if err := h.pc.WriteRTCP([]rtcp.Packet{p}); err != nil {
		h.rtcpFailed++
	}
}

// randomRTCP is an rtcp.Packet that marshals to the bytes it holds.
type randomRTCP []byte

func (r randomRTCP) Marshal() ([]byte, error)  { return r, nil }
func (r randomRTCP) MarshalSize() int          { return len(r) }
func (r randomRTCP) Unmarshal([]byte) error    { return nil }
func (r randomRTCP) DestinationSSRC() []uint32 { return nil }

// ntpTime is t in the NTP format (RFC 3550 section 4).
func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix()) + 2208988800
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// recordedUnit is one unit the ingest delivered.
type recordedUnit struct {
	pts   time.Duration
	valid int // index of the valid frame, or -1
}

// unitRecorder is a recorder that also keeps every unit of a track.
type unitRecorder struct {
	*recorder
	mu    sync.Mutex
	units map[media.Kind][]recordedUnit
}

func (r *unitRecorder) Unit(u *media.Unit) {
	r.recorder.Unit(u)
	valid := -1
	if i := bytes.Index(u.Data, hostileMagic); i >= 0 && len(u.Data) >= i+len(hostileMagic)+2 {
		valid = int(binary.BigEndian.Uint16(u.Data[i+len(hostileMagic):]))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.units[u.Track.Kind] = append(r.units[u.Track.Kind], recordedUnit{pts: u.PTS, valid: valid})
}

func (r *unitRecorder) lastValid(kind media.Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := -1
	for _, u := range r.units[kind] {
		last = max(last, u.valid)
	}
	return last
}

// checkValid checks the valid frames of a track: nearly all arrive from
// the first one delivered on, and their PTS follow the 20 ms at which they
// were sent. (A track may start late: when the renegotiation that adds it
// takes longer than a keyframe interval, as on a loaded machine, the room's
// cache starts at the second keyframe.)
func (r *unitRecorder) checkValid(t *testing.T, kind media.Kind, sent int) {
	t.Helper()
	r.mu.Lock()
	units := append([]recordedUnit(nil), r.units[kind]...)
	r.mu.Unlock()
	var first *recordedUnit
	valid, worst := 0, time.Duration(0)
	var msgs []string
	for i := range units {
		u := &units[i]
		if u.valid < 0 {
			continue
		}
		valid++
		if first == nil {
			first = u
			continue
		}
		want := first.pts + time.Duration(u.valid-first.valid)*20*time.Millisecond
		off := u.pts - want
		if off < 0 {
			off = -off
		}
		worst = max(worst, off)
		if off > 500*time.Millisecond && len(msgs) < 5 {
			msgs = append(msgs, fmt.Sprintf("frame %d at PTS %v, want %v", u.valid, u.pts, want))
		}
	}
	if first == nil {
		t.Fatalf("%s: no valid frame delivered", kind)
	}
	due := sent - first.valid
	t.Logf("%s: %d units; %d of the %d valid frames from frame %d on delivered, worst PTS error %v",
		kind, len(units), valid, due, first.valid, worst)
	if first.valid > sent/2 || valid*100 < due*95 {
		t.Errorf("%s: %d of %d valid frames from frame %d on delivered, want at least 95%% from the first half",
			kind, valid, due, first.valid)
	}
	if len(msgs) > 0 {
		t.Errorf("%s: valid frames off their timeline: %s", kind, strings.Join(msgs, "; "))
	}
}
