package room

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/test/testutil"
)

func TestTrackSource(t *testing.T) {
	cases := []struct {
		kind   media.Kind
		screen bool
		msid   string
		want   media.Source
	}{
		{media.KindVideo, false, "video", media.SourceCamera},
		{media.KindVideo, false, "", media.SourceCamera},
		{media.KindVideo, false, "8c1f0a52-2b1e-4d0e-9a51-6f3f6f0b1e77", media.SourceCamera},
		{media.KindVideo, false, "screen", media.SourceScreen},
		{media.KindVideo, false, "screen-2", media.SourceScreen},
		{media.KindVideo, false, "Screen", media.SourceCamera},
		{media.KindVideo, false, "myscreen", media.SourceCamera},
		{media.KindVideo, true, "8c1f0a52-2b1e-4d0e-9a51-6f3f6f0b1e77", media.SourceScreen},
		{media.KindVideo, true, "video", media.SourceScreen},
		{media.KindAudio, false, "audio", media.SourceMicrophone},
		{media.KindAudio, false, "screen", media.SourceMicrophone},
		{media.KindAudio, true, "audio", media.SourceMicrophone},
	}
	for _, c := range cases {
		if got := trackSource(c.kind, c.screen, c.msid); got != c.want {
			t.Errorf("trackSource(%s, screen session %v, msid track %q) = %q, want %q", c.kind, c.screen, c.msid, got, c.want)
		}
	}
}

// TestScreenShareSession publishes a camera and, as a second WHIP session
// with screen=1, a screen share of the same person: the room lists the
// share as a participant of its own whose video is a screen, and a
// subscriber is told the same.
func TestScreenShareSession(t *testing.T) {
	m, sub := newWatchedRoom(t)
	alice := newTestPublisher(t, m, "r1", "alice")
	p := newTestPublisherPC(t, media.CodecVP8, rtc.Options{})
	share := p.publishWith(m, "r1", PublishOptions{Name: "alice (screen)", Screen: true, OfferSDP: p.offer()})
	info := waitFlowing(t, m, sub, 4)
	if len(info.Participants) != 2 || info.Participants[0].Name != "alice" || info.Participants[1].Name != "alice (screen)" {
		t.Fatalf("participants = %+v", info.Participants)
	}
	want := map[string]map[string]string{
		alice.session.ID: {"video": "camera", "audio": "microphone"},
		share.session.ID: {"video": "screen", "audio": "microphone"},
	}
	for pid, sources := range want {
		if got := sourcesByKind(t, participantTracks(info, pid)); !maps.Equal(got, sources) {
			t.Errorf("participant %s: sources %v, want %v", pid, got, sources)
		}
	}
	checkSignalledSources(t, sub, info)
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `"source":"screen"`); n != 1 {
		t.Errorf("room info JSON has %d screen tracks, want 1: %s", n, b)
	}
}

// TestScreenTrackByMsid publishes one session with a camera, a microphone
// and a second video track whose msid track id starts with "screen".
func TestScreenTrackByMsid(t *testing.T) {
	m, sub := newWatchedRoom(t)
	p := newTestPublisherPC(t, media.CodecVP8, rtc.Options{})
	p.addScreen("screen-1")
	bob := p.publish(m, "r1", "bob", p.offer())
	info := waitFlowing(t, m, sub, 3)
	count := map[string]int{}
	for _, tr := range participantTracks(info, bob.session.ID) {
		count[tr.Kind+" "+tr.Source]++
	}
	if len(count) != 3 || count["video camera"] != 1 || count["video screen"] != 1 || count["audio microphone"] != 1 {
		t.Errorf("bob's tracks: %v, want one camera, one screen and one microphone", count)
	}
	// The screen is the track the publisher named so.
	r, err := m.In("").room("r1")
	if err != nil {
		t.Fatal(err)
	}
	pa, err := r.participant(bob.session.ID)
	if err != nil {
		t.Fatal(err)
	}
	msidSource := map[string]media.Source{}
	for _, tr := range pa.trackList() {
		msidSource[tr.remote.ID()] = tr.source
	}
	wantSources := map[string]media.Source{"video": media.SourceCamera, "screen-1": media.SourceScreen, "audio": media.SourceMicrophone}
	if !maps.Equal(msidSource, wantSources) {
		t.Errorf("sources by msid track id: %v, want %v", msidSource, wantSources)
	}
	checkSignalledSources(t, sub, info)
}

// checkSignalledSources checks that the subscriber's last track list gives
// every track the source the room info gives it.
func checkSignalledSources(t *testing.T, sub *testSubscriber, info Info) {
	t.Helper()
	ts, _ := sub.lastTrackList()
	for _, tr := range ts {
		var want string
		for _, it := range participantTracks(info, tr.ParticipantID) {
			if it.ID == tr.ID {
				want = it.Source
			}
		}
		if want == "" || tr.Source != want {
			t.Errorf("signalled %s track %s of %s: source %q, room info says %q", tr.Kind, tr.ID, tr.ParticipantName, tr.Source, want)
		}
	}
}

// sourcesByKind maps each kind of tracks to its source; a kind with two
// tracks fails the test.
func sourcesByKind(t *testing.T, ts []TrackInfo) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, tr := range ts {
		if _, dup := m[tr.Kind]; dup {
			t.Errorf("two %s tracks: %+v", tr.Kind, ts)
		}
		m[tr.Kind] = tr.Source
	}
	return m
}

// newWatchedRoom is a manager with the room r1 and a subscriber to it.
func newWatchedRoom(t *testing.T) (*Manager, *testSubscriber) {
	t.Helper()
	m := newTestManager(t, Config{})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	return m, newTestSubscriber(t, m, "r1", subscriberSetup{})
}

// waitFlowing waits until sub is offered n tracks and receives each, and
// returns the room's info then.
func waitFlowing(t *testing.T, m *Manager, sub *testSubscriber, n int) Info {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, fmt.Sprintf("%d tracks flowing to the subscriber", n), func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == n && sub.receiving(trackIDs(ts), 20)
	})
	info, err := m.Get("r1")
	if err != nil {
		t.Fatal(err)
	}
	return info
}
