package room

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

// A subscriber that excludes one participant and whose first offer carries
// recvonly media m-lines gets exactly the other participants' tracks; here
// H.264 ones, from their first keyframe.
func TestSubscriberExcludesParticipant(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	alice := newTestPublisher(t, m, "r1", "alice")
	testutil.Eventually(t, 10*time.Second, "alice's tracks", func() bool {
		info, _ := m.Get("r1")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	sub := newTestSubscriber(t, m, "r1", subscriberSetup{exclude: alice.session.ID, recvonly: true})
	testutil.Eventually(t, 10*time.Second, "the first offer", func() bool {
		_, n := sub.lastTrackList()
		return n >= 1
	})
	bob := newTestPublisherWith(t, m, "r1", "bob", media.CodecH264)
	testutil.Eventually(t, 10*time.Second, "bob's tracks at the subscriber", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 2 && sub.receiving(trackIDs(ts), 20)
	})
	info, _ := m.Get("r1")
	codecs := map[string]string{}
	for _, tr := range participantTracks(info, bob.session.ID) {
		codecs[tr.Kind] = tr.Codec
	}
	if len(codecs) != 2 || codecs["video"] != "H264" || codecs["audio"] != "opus" {
		t.Errorf("bob's tracks = %+v", participantTracks(info, bob.session.ID))
	}
	ts, _ := sub.lastTrackList()
	for _, tr := range ts {
		seqs, first, _ := sub.track(tr.ID).snapshot()
		checkContiguous(t, "bob "+tr.Kind, seqs)
		if tr.Kind == "video" && (tr.Codec != "H264" || !isH264Keyframe(first)) {
			t.Errorf("bob's %s video starts with %x", tr.Codec, first)
		}
	}
	sub.mu.Lock()
	for _, list := range sub.trackLists {
		for _, tr := range list {
			if tr.ParticipantID != bob.session.ID || tr.ParticipantName != "bob" {
				t.Errorf("offered %+v", tr)
			}
		}
	}
	if len(sub.tracks) != 2 {
		t.Errorf("subscriber received %d tracks", len(sub.tracks))
	}
	sub.mu.Unlock()

	// Close ends every session of every room.
	pcs := serverPCs(t, m, "r1")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for i, pc := range pcs {
		if s := pc.ConnectionState(); s != webrtc.PeerConnectionStateClosed {
			t.Errorf("server pc %d is %s after Close", i, s)
		}
	}
}

// Garbage on the signal channel is counted and ignored.
func TestMalformedSignals(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	sub := newTestSubscriber(t, m, "r1", subscriberSetup{})
	testutil.Eventually(t, 10*time.Second, "the first offer", func() bool {
		_, n := sub.lastTrackList()
		return n >= 1
	})
	r, _ := m.In("").room("r1")
	s, err := r.subscriber(sub.session.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the first answer to be applied, so that none is expected.
	testutil.Eventually(t, 10*time.Second, "first answer applied", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.awaiting
	})
	bad := []string{"not json", `{"type":"offer","sdp":"v=0"}`, `{"type":"answer"}`, `{"type":"answer","sdp":"v=0"}`, `[1,2,3]`, "\x00\xff"}
	for _, b := range bad {
		if err := sub.dc.SendText(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := sub.dc.Send([]byte{0xde, 0xad}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, "malformed messages counted", func() bool { return s.malformed.Load() == uint64(len(bad)+1) })

	// The subscription still works.
	newTestPublisher(t, m, "r1", "alice")
	testutil.Eventually(t, 10*time.Second, "alice's tracks at the subscriber", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 2 && sub.receiving(trackIDs(ts), 10)
	})

	if err := m.Unsubscribe("r1", sub.session.ID); err != nil {
		t.Fatal(err)
	}
	if info, _ := m.Get("r1"); info.Subscribers != 0 {
		t.Errorf("subscribers after Unsubscribe: %d", info.Subscribers)
	}
	select {
	case <-sub.dcClosed:
	case <-time.After(10 * time.Second):
		t.Error("signal channel still open after Unsubscribe")
	}
}

// A subscriber that does not answer an offer is closed.
func TestSubscriberAnswerTimeout(t *testing.T) {
	t.Parallel()
	m := newTestManager(t, Config{})
	m.env.answerTimeout = 300 * time.Millisecond
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	sub := newTestSubscriber(t, m, "r1", subscriberSetup{mute: true})
	select {
	case <-sub.dcClosed:
	case <-time.After(10 * time.Second):
		t.Fatal("mute subscriber's signal channel still open")
	}
	testutil.Eventually(t, 5*time.Second, "subscriber removed", func() bool {
		info, _ := m.Get("r1")
		return info.Subscribers == 0
	})
}

// A publisher that goes away without Unpublish leaves the room.
func TestPublisherConnectionLoss(t *testing.T) {
	t.Parallel()
	m := newTestManager(t, Config{})
	m.env.disconnectGrace = 200 * time.Millisecond
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	alice := newTestPublisher(t, m, "r1", "alice")
	testutil.Eventually(t, 10*time.Second, "alice's tracks", func() bool {
		info, _ := m.Get("r1")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	start := time.Now()
	alice.close()
	testutil.Eventually(t, 20*time.Second, "alice removed", func() bool {
		info, _ := m.Get("r1")
		return len(info.Participants) == 0
	})
	t.Logf("publisher removed %v after closing its connection", time.Since(start))
}
