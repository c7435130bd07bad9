package room

import (
	"net"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/rtc/rtctest"
	"github.com/roomcast/roomcast/test/testutil"
)

// Payload types of the test publisher's tracks, as rtc registers them.
const (
	ptTestVP8  = 96
	ptTestOpus = 111
)

// TestPublisherLossRecovered drops every 33rd SRTP packet the publisher
// sends, and checks that the room's NACKs get them resent by the
// publisher's NACK responder, so that the subscriber receives the video
// without a gap. Audio has no NACK feedback (rtc.Codecs), so the room
// forwards its losses: the subscriber may miss the audio dropped, no more.
// (With the test publisher's packet order, every 33rd packet happens to
// be video.)
func TestPublisherLossRecovered(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("lossy"); err != nil {
		t.Fatal(err)
	}
	sub := newTestSubscriber(t, m, "lossy", subscriberSetup{})
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = udp.Close() }) // after the publisher's cleanup
	lossy := rtctest.NewLossyConn(udp, rtctest.Outgoing, 33)
	p, offer := newTestPublisherOfferOn(t, media.CodecVP8, rtc.Options{UDPConn: lossy})
	pub := p.publish(m, "lossy", "lossy publisher", offer)

	var video, audio *recvTrack
	testutil.Eventually(t, 10*time.Second, "the publisher's tracks at the subscriber", func() bool {
		ts, _ := sub.lastTrackList()
		if len(ts) != 2 || !sub.receiving(trackIDs(ts), 1) {
			return false
		}
		for _, tr := range ts {
			if tr.Kind == "video" {
				video = sub.track(tr.ID)
			} else {
				audio = sub.track(tr.ID)
			}
		}
		return true
	})
	// 4 s of media: 200 frames and 200 audio packets, of which 12 or so
	// dropped. Every drop leaves a gap until its retransmission arrives;
	// an unrecovered one stays.
	testutil.Eventually(t, 20*time.Second, "4 s of media", func() bool { return pub.frames.Load() >= 200 })
	testutil.Eventually(t, 5*time.Second, "every dropped video packet resent", func() bool {
		seqs, _, _ := video.snapshot()
		return gaps(seqs) == 0
	})

	seen, dropped := lossy.Counts()
	vseqs, _, _ := video.snapshot()
	aseqs, _, _ := audio.snapshot()
	t.Logf("SRTP packets by payload type: sent %v, dropped %v; NACKs at the publisher %d", seen, dropped, pub.nacks.Load())
	t.Logf("subscriber: video %d packets, no gap; audio %d packets, %d missing", len(vseqs), len(aseqs), gaps(aseqs))
	checkContiguous(t, "video", vseqs)
	if dropped[ptTestVP8] < 3 || pub.nacks.Load() == 0 {
		t.Errorf("%d video packets dropped, %d NACKs; want some of each", dropped[ptTestVP8], pub.nacks.Load())
	}
	if n := gaps(aseqs); n > dropped[ptTestOpus] {
		t.Errorf("audio misses %d packets, only %d were dropped", n, dropped[ptTestOpus])
	}
}

// gaps counts the sequence numbers missing between the first and the
// highest received.
func gaps(seqs []uint16) int {
	if len(seqs) == 0 {
		return 0
	}
	seen := map[uint16]bool{}
	var last uint16
	for _, s := range seqs {
		d := s - seqs[0]
		if d >= 0x8000 {
			continue // before the first
		}
		seen[d] = true
		last = max(last, d)
	}
	return int(last) + 1 - len(seen)
}
