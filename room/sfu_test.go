package room

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/test/testutil"
)

func newTestManager(t *testing.T, cfg Config) *Manager {
	t.Helper()
	cfg.RTC.LoopbackOnly = true
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel}))
	}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// serverPCs returns the room's publisher and subscriber PeerConnections.
func serverPCs(t *testing.T, m *Manager, name string) []*webrtc.PeerConnection {
	t.Helper()
	ps, ss := roomPeers(t, m, name)
	var pcs []*webrtc.PeerConnection
	for _, p := range ps {
		pcs = append(pcs, p.pc)
	}
	for _, s := range ss {
		pcs = append(pcs, s.pc)
	}
	return pcs
}

// roomPeers returns a room's publishers and subscribers.
func roomPeers(t *testing.T, m *Manager, name string) ([]*participant, []*subscriber) {
	t.Helper()
	r, err := m.In("").room(name)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.participants), slices.Clone(r.subscribers)
}

func trackIDs(ts []rtc.TrackInfo) []string {
	ids := make([]string, 0, len(ts))
	for _, tr := range ts {
		ids = append(ids, tr.ID)
	}
	return ids
}

func participantTracks(info Info, pid string) []TrackInfo {
	for _, p := range info.Participants {
		if p.ID == pid {
			return p.Tracks
		}
	}
	return nil
}

// checkContiguous checks that a track's packets, from the first received,
// have no gap (resent duplicates are fine).
func checkContiguous(t *testing.T, what string, seqs []uint16) {
	t.Helper()
	if len(seqs) == 0 {
		t.Errorf("%s: no packets", what)
		return
	}
	seen := map[uint16]bool{}
	var last uint16
	for _, s := range seqs {
		d := s - seqs[0]
		if d >= 0x8000 {
			t.Errorf("%s: packet %d before the first %d", what, s, seqs[0])
			return
		}
		seen[d] = true
		last = max(last, d)
	}
	if len(seen) != int(last)+1 {
		t.Errorf("%s: %d distinct packets over %d sequence numbers from %d", what, len(seen), int(last)+1, seqs[0])
	}
}

// TestSubscriberFollowsPublishers runs one room through a whole life: a
// publisher, a subscriber that joins after it, a second publisher that
// joins after the subscriber, a keyframe request, sender reports, the second
// publisher leaving, and the room's deletion.
func TestSubscriberFollowsPublishers(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	alice := newTestPublisher(t, m, "r1", "alice")
	// Let alice run past her second keyframe, so the subscriber starts from
	// the GOP cache.
	testutil.Eventually(t, 10*time.Second, "alice sending", func() bool { return alice.frames.Load() > 30 })

	sub := newTestSubscriber(t, m, "r1", subscriberSetup{})
	testutil.Eventually(t, 10*time.Second, "alice's tracks at the subscriber", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 2 && sub.receiving(trackIDs(ts), 20)
	})

	bob := newTestPublisher(t, m, "r1", "bob")
	testutil.Eventually(t, 10*time.Second, "four tracks at the subscriber", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 4 && sub.receiving(trackIDs(ts), 40)
	})

	tracks, _ := sub.lastTrackList()
	checkInfo(t, m, alice, bob, tracks)
	for _, tr := range tracks {
		seqs, first, _ := sub.track(tr.ID).snapshot()
		checkContiguous(t, tr.ParticipantName+" "+tr.Kind, seqs)
		if tr.Kind == "video" && !isVP8Keyframe(first) {
			t.Errorf("%s video starts with %x, not a keyframe", tr.ParticipantName, first)
		}
	}

	checkKeyframeRequest(t, sub, bob, tracks)
	checkSenderReports(t, sub, tracks, map[string]*testPublisher{alice.session.ID: alice, bob.session.ID: bob})

	// Bob leaves: the subscriber is renegotiated, not recreated.
	if err := m.Unpublish("r1", bob.session.ID); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, "offer without bob's tracks", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 2 && ts[0].ParticipantID == alice.session.ID && ts[1].ParticipantID == alice.session.ID
	})
	for _, tr := range tracks {
		if tr.ParticipantID != bob.session.ID {
			continue
		}
		select {
		case <-sub.track(tr.ID).ended:
		case <-time.After(10 * time.Second):
			t.Errorf("bob's %s track still open at the subscriber", tr.Kind)
		}
	}
	if err := m.Unpublish("r1", bob.session.ID); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("second unpublish: %v", err)
	}
	if info, _ := m.Get("r1"); len(info.Participants) != 1 || info.Subscribers != 1 {
		t.Errorf("after bob left: %+v", info)
	}
	n := sub.track(tracks[0].ID).received()
	testutil.Eventually(t, 5*time.Second, "alice still flowing", func() bool { return sub.track(tracks[0].ID).received() > n+10 })

	// Deleting the room closes every server-side PeerConnection.
	pcs := serverPCs(t, m, "r1")
	if err := m.Delete("r1"); err != nil {
		t.Fatal(err)
	}
	for i, pc := range pcs {
		if s := pc.ConnectionState(); s != webrtc.PeerConnectionStateClosed {
			t.Errorf("server pc %d is %s after Delete", i, s)
		}
	}
	if l := m.List(); len(l) != 0 {
		t.Errorf("rooms after Delete: %+v", l)
	}
	select {
	case <-sub.dcClosed:
	case <-time.After(10 * time.Second):
		t.Error("subscriber's signal channel still open after Delete")
	}
}

func checkInfo(t *testing.T, m *Manager, alice, bob *testPublisher, tracks []rtc.TrackInfo) {
	t.Helper()
	info, err := m.Get("r1")
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "r1" || info.Subscribers != 1 || len(info.Participants) != 2 {
		t.Fatalf("info = %+v", info)
	}
	for i, want := range []struct {
		pub  *testPublisher
		name string
	}{{alice, "alice"}, {bob, "bob"}} {
		p := info.Participants[i]
		if p.ID != want.pub.session.ID || p.Name != want.name || !strings.HasPrefix(p.ID, participantPrefix) {
			t.Errorf("participant %d = %+v", i, p)
		}
		if len(p.Tracks) != 2 {
			t.Errorf("%s has %d tracks", want.name, len(p.Tracks))
			continue
		}
		kinds := map[string]string{p.Tracks[0].Kind: p.Tracks[0].Codec, p.Tracks[1].Kind: p.Tracks[1].Codec}
		if kinds["video"] != "VP8" || kinds["audio"] != "opus" {
			t.Errorf("%s tracks = %+v", want.name, p.Tracks)
		}
		for _, tr := range p.Tracks {
			if !strings.HasPrefix(tr.ID, trackPrefix) {
				t.Errorf("track id %q", tr.ID)
			}
		}
	}
	for _, tr := range tracks {
		found := false
		for _, it := range participantTracks(info, tr.ParticipantID) {
			found = found || (it.ID == tr.ID && it.Kind == tr.Kind && it.Codec == tr.Codec)
		}
		if !found {
			t.Errorf("offered track %+v not in info", tr)
		}
	}
	b, _ := json.Marshal(info)
	if !strings.Contains(string(b), `"subscribers":1`) || !strings.Contains(string(b), `"codec":"VP8"`) {
		t.Errorf("info json = %s", b)
	}
}

// checkKeyframeRequest sends a PLI for bob's video from the subscriber and
// waits for it at bob.
func checkKeyframeRequest(t *testing.T, sub *testSubscriber, bob *testPublisher, tracks []rtc.TrackInfo) {
	t.Helper()
	for _, tr := range tracks {
		if tr.ParticipantID != bob.session.ID || tr.Kind != "video" {
			continue
		}
		before := bob.plis.Load()
		ssrc := sub.track(tr.ID).ssrc
		testutil.Eventually(t, 5*time.Second, "PLI at the publisher", func() bool {
			_ = sub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
			return bob.plis.Load() > before
		})
		return
	}
	t.Error("no video track of bob")
}

// checkSenderReports checks that every track gets the room's sender
// reports, with an NTP time near the wall clock, an RTP time that matches
// the publisher's media clock at that NTP time (so audio and video of one
// publisher stay aligned), and counts that follow what was sent.
func checkSenderReports(t *testing.T, sub *testSubscriber, tracks []rtc.TrackInfo, pubs map[string]*testPublisher) {
	t.Helper()
	for _, tr := range tracks {
		rt := sub.track(tr.ID)
		testutil.Eventually(t, 5*time.Second, "two sender reports", func() bool {
			_, _, srs := rt.snapshot()
			return len(srs) >= 2
		})
		_, _, srs := rt.snapshot()
		rate := uint32(90000)
		if tr.Kind == "audio" {
			rate = 48000
		}
		what := tr.ParticipantName + " " + tr.Kind
		for _, r := range srs[1:] {
			at := fromNTP(r.sr.NTPTime)
			if d := at.Sub(r.arrival); d < -time.Second || d > time.Second {
				t.Errorf("%s: sender report NTP is %v off the wall clock", what, d)
			}
			want := pubs[tr.ParticipantID].rtpTimeAt(at, rate)
			if d := absDiff(r.sr.RTPTime, want); d > rate/4 {
				t.Errorf("%s: sender report maps %s to RTP %d, the publisher was at %d (%d ticks off)",
					what, at.Format("15:04:05.000"), r.sr.RTPTime, want, d)
			}
			if r.sr.PacketCount == 0 || r.sr.OctetCount == 0 {
				t.Errorf("%s: sender report counts %d packets, %d octets", what, r.sr.PacketCount, r.sr.OctetCount)
			}
		}
	}
}

// testLogLevel is the level of the rooms' logs in tests.
const testLogLevel = slog.LevelWarn
