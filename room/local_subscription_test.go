package room

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/testutil"
)

// localReader reads one local track in two goroutines, as a job's
// trackReader does, and counts what it gets.
type localReader struct {
	track           source.LocalTrack
	packets, srs    atomic.Int64
	badSR           atomic.Int64
	rtpEOF, rtcpEOF atomic.Bool
	wg              sync.WaitGroup
}

func readLocal(lt source.LocalTrack) *localReader {
	r := &localReader{track: lt}
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		for {
			if _, _, err := lt.ReadRTP(); err != nil {
				r.rtpEOF.Store(errors.Is(err, io.EOF))
				return
			}
			r.packets.Add(1)
		}
	}()
	go func() {
		defer r.wg.Done()
		for {
			pkts, _, err := lt.ReadRTCP()
			if err != nil {
				r.rtcpEOF.Store(errors.Is(err, io.EOF))
				return
			}
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == lt.SSRC() && sr.NTPTime != 0 {
					r.srs.Add(1)
				} else {
					r.badSR.Add(1)
				}
			}
		}
	}()
	return r
}

// ended waits for both reads to return io.EOF.
func (r *localReader) ended(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("reads of %s did not end", r.track.Info().ID)
	}
	if !r.rtpEOF.Load() || !r.rtcpEOF.Load() {
		t.Errorf("reads of %s ended without io.EOF", r.track.Info().ID)
	}
}

// TestLocalSubscription follows a room in process: joins and leaves, the
// packets and sender reports of every track, keyframe requests reaching
// the publisher, and the end when the room is deleted.
func TestLocalSubscription(t *testing.T) {
	m, err := NewManager(Config{RTC: rtc.Options{LoopbackOnly: true}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	scope := m.In("")
	if _, err := scope.SubscribeLocal("nowhere", "job"); !errors.Is(err, source.ErrRoomNotFound) || !errors.Is(err, ErrRoomNotFound) {
		t.Fatalf("SubscribeLocal of a missing room: %v, want both not-found errors", err)
	}
	if _, err := m.Create("lobby"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.In("other").SubscribeLocal("lobby", "job"); !errors.Is(err, source.ErrRoomNotFound) {
		t.Fatalf("SubscribeLocal of another tenant's room: %v, want not found", err)
	}
	sub, err := scope.SubscribeLocal("lobby", "job")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if info, _ := scope.Get("lobby"); info.LocalSubscribers != 1 || info.Subscribers != 0 {
		t.Fatalf("room info %+v, want 1 local subscriber and no WebRTC one", info)
	}

	readers := map[string]*localReader{}
	follow := func() {
		for _, lt := range sub.Tracks() {
			if readers[lt.Info().ID] == nil {
				readers[lt.Info().ID] = readLocal(lt)
			}
		}
	}
	waitTracks := func(n int) {
		t.Helper()
		testutil.Eventually(t, 20*time.Second, "the room's tracks", func() bool {
			select {
			case <-sub.Changed():
			default:
			}
			follow()
			return len(sub.Tracks()) == n
		})
	}

	alice := newTestPublisherWith(t, m, "lobby", "alice", media.CodecH264)
	waitTracks(2)
	bob := newTestPublisher(t, m, "lobby", "bob")
	waitTracks(4)
	testutil.Eventually(t, 20*time.Second, "packets and sender reports of every track", func() bool {
		for _, r := range readers {
			if r.packets.Load() < 50 || r.srs.Load() < 2 {
				return false
			}
		}
		return len(readers) == 4
	})

	// A keyframe request reaches the publisher.
	var video source.LocalTrack
	for _, lt := range sub.Tracks() {
		if lt.Info().ParticipantName == "alice" && lt.Info().Kind == string(media.KindVideo) {
			video = lt
		}
	}
	if video == nil || video.ClockRate() != 90000 || video.Info().Codec != string(media.CodecH264) {
		t.Fatalf("alice's video track: %+v", video)
	}
	before := alice.plis.Load()
	video.RequestKeyframe()
	testutil.Eventually(t, 10*time.Second, "the PLI at alice", func() bool { return alice.plis.Load() > before })

	// bob leaves: his tracks end, alice's go on.
	if err := m.Unpublish("lobby", bob.session.ID); err != nil {
		t.Fatal(err)
	}
	waitTracks(2)
	for _, r := range readers {
		if r.track.Info().ParticipantName == "bob" {
			r.ended(t)
		}
	}

	// Deleting the room ends the subscription and its tracks.
	if err := scope.Delete("lobby"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the room was deleted")
	}
	for _, r := range readers {
		r.ended(t)
		if r.badSR.Load() != 0 {
			t.Errorf("%s: %d RTCP packets that are not its sender reports", r.track.Info().ID, r.badSR.Load())
		}
	}
	if n := len(sub.Tracks()); n != 0 {
		t.Errorf("%d tracks after the end", n)
	}
}

// TestLocalTrackSlowReader: a reader that does not read never holds up the
// forwarding path; the queue drops the oldest packets up to a keyframe,
// counts them, and asks the publisher for a keyframe.
func TestLocalTrackSlowReader(t *testing.T) {
	src := newBareTrack(media.CodecVP8)
	plis := &countingRTCP{}
	src.pli, src.env.pliThrottle = plis, time.Millisecond
	lt := newLocalTrack(src, src.log, nil)
	if !src.attach(lt) {
		t.Fatal("attach failed")
	}
	const total, gop = 3 * pendingQueueLimit, 100
	for i := range total {
		p := &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i / 10 * 3000)}, Payload: []byte{1}}
		src.forward(fwdPacket{pkt: p, key: i%gop == 0, arrival: time.Now()})
	}
	dropped := lt.Dropped()
	if dropped == 0 || dropped >= total {
		t.Fatalf("dropped %d of %d packets", dropped, total)
	}
	if plis.plis.Load() == 0 {
		t.Error("no keyframe request after drops")
	}
	lt.close()
	src.end()
	var got []uint16
	for {
		p, _, err := lt.ReadRTP()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("read: %v", err)
			}
			break
		}
		got = append(got, p.SequenceNumber)
	}
	if uint64(len(got))+dropped != total {
		t.Errorf("read %d + dropped %d, want %d packets", len(got), dropped, total)
	}
	if len(got) == 0 || got[0]%gop != 0 {
		t.Fatalf("the queue starts at packet %v, want a keyframe", got[:min(len(got), 1)])
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("packets %d and %d out of order", got[i-1], got[i])
		}
	}
}

// TestLocalTrackWakesPerFrame checks when a local track wakes its reader:
// for video at the end of each frame, not for the packets before it; for
// a frame whose last packet did not come, at the next frame; for a packet
// out of sequence; for audio at every packet.
func TestLocalTrackWakesPerFrame(t *testing.T) {
	video := newLocalTrack(newBareTrack(media.CodecVP8), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	woke := func(lt *localTrack) bool {
		select {
		case <-lt.notify:
			return true
		default:
			return false
		}
	}
	steps := []struct {
		what    string
		seq     uint16
		ts      uint32
		marker  bool
		wantWak bool
	}{
		{"the first packet", 10, 3000, false, true},
		{"a frame's middle packet", 11, 3000, false, false},
		{"a frame's last packet", 12, 3000, true, true},
		{"the next frame's first packet", 13, 6000, false, false},
		{"its second packet", 14, 6000, false, false},
		{"a frame after one whose last packet was lost", 16, 9000, false, true},
		{"a retransmission", 15, 6000, true, true},
		{"a packet after the retransmission, out of sequence", 17, 9000, false, true},
		{"in sequence again", 18, 9000, false, false},
	}
	for _, s := range steps {
		video.push(fwdPacket{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: s.seq, Timestamp: s.ts, Marker: s.marker}}})
		if got := woke(video); got != s.wantWak {
			t.Errorf("%s: woke the reader %v, want %v", s.what, got, s.wantWak)
		}
	}
	for i := range wakeBatch + 1 { // a frame of many packets: the reader is woken when a batch waits
		video.push(fwdPacket{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(19 + i), Timestamp: 9000}}})
	}
	if !woke(video) {
		t.Errorf("%d packets queued and the reader not woken", video.queue.len())
	}

	audio := newLocalTrack(newBareTrack(media.CodecOpus), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	for i := range 3 {
		audio.push(fwdPacket{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(960 * i)}}, key: true})
		if !woke(audio) {
			t.Errorf("audio packet %d did not wake the reader", i)
		}
	}
}
