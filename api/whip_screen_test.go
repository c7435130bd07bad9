package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
)

func TestParseScreen(t *testing.T) {
	cases := []struct {
		query string
		want  bool
		bad   bool
	}{
		{"", false, false},
		{"name=a", false, false},
		{"screen=0", false, false},
		{"screen=false", false, false},
		{"screen=1", true, false},
		{"screen=true", true, false},
		{"screen=", false, true},
		{"screen", false, true},
		{"screen=yes", false, true},
		{"screen=2", false, true},
		{"screen=TRUE", false, true},
		{"screen=1&screen=1", false, true},
	}
	for _, c := range cases {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseScreen(q)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("parseScreen(%q) = %v, %v; want %v, bad %v", c.query, got, err, c.want, c.bad)
		}
		if err != nil && !strings.Contains(err.Error(), "screen") {
			t.Errorf("parseScreen(%q): error %q does not name the parameter", c.query, err)
		}
	}
}

// TestWHIPBadScreen checks that a bad screen value is refused with 400 and
// a JSON error naming it, before the offer is looked at.
func TestWHIPBadScreen(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	call(t, ts, "POST", "/v1/rooms", auth, "application/json", `{"name":"r1"}`)
	for _, q := range []string{"screen=yes", "screen=", "screen=1&screen=0"} {
		r := call(t, ts, "POST", "/v1/rooms/r1/whip?name=a&"+q, auth, "application/sdp", vp9OnlyOffer)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d %s, want 400", q, r.status, r.body)
			continue
		}
		if reason := errorOf(t, r); !strings.Contains(reason, "screen") {
			t.Errorf("%s: error %q does not name screen", q, reason)
		}
	}
	if r := call(t, ts, "GET", "/v1/rooms/r1", auth, "", ""); !strings.Contains(r.body, `"participants":[]`) {
		t.Errorf("refused publishes left participants: %s", r.body)
	}
}

// TestWHIPScreenShare publishes a VP8 track over WHIP with screen=1 and
// finds it in GET /v1/rooms/{room} with source "screen".
func TestWHIPScreenShare(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	track, r := publishVP8(t, ts, "name=alice+(screen)&screen=1")
	var tracks []room.TrackInfo
	deadline := time.Now().Add(10 * time.Second)
	for seq := uint16(0); len(tracks) == 0; seq++ {
		if time.Now().After(deadline) {
			t.Fatal("the track did not show in the room info within 10s")
		}
		// A VP8 keyframe start: S=1, then a keyframe tag.
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true},
			Payload: []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}}
		_ = track.WriteRTP(pkt)
		time.Sleep(20 * time.Millisecond)
		tracks = roomTracks(t, ts, "r1", "alice (screen)")
	}
	if len(tracks) != 1 || tracks[0].Kind != "video" || tracks[0].Source != "screen" {
		t.Errorf("tracks of the screen share: %+v, want one video with source screen", tracks)
	}
	if r := call(t, ts, "DELETE", r.header.Get("Location"), auth, "", ""); r.status != http.StatusOK {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
}

// publishVP8 creates the room r1 and publishes one VP8 track into it
// over WHIP with the query; it returns the track and the WHIP answer.
func publishVP8(t *testing.T, ts *httptest.Server, query string) (*webrtc.TrackLocalStaticRTP, result) {
	t.Helper()
	auth := "Bearer " + key
	call(t, ts, "POST", "/v1/rooms", auth, "application/json", `{"name":"r1"}`)
	pc, track := newVP8Publisher(t)
	r := call(t, ts, "POST", "/v1/rooms/r1/whip?"+query, auth, "application/sdp", pc.LocalDescription().SDP)
	if r.status != http.StatusCreated {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: r.body}); err != nil {
		t.Fatal(err)
	}
	return track, r
}

// newVP8Publisher is a pion PeerConnection sending one VP8 track, with its
// complete offer set as local description.
func newVP8Publisher(t *testing.T) (*webrtc.PeerConnection, *webrtc.TrackLocalStaticRTP) {
	t.Helper()
	api := must(rtc.NewAPI(rtc.Options{LoopbackOnly: true}))(t)
	pc := must(api.NewPeerConnection(webrtc.Configuration{}))(t)
	t.Cleanup(func() { _ = pc.Close() })
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	track := must(webrtc.NewTrackLocalStaticRTP(vp8, "video", "stream"))(t)
	must(pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}))(t)
	offer := must(pc.CreateOffer(nil))(t)
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return pc, track
}

// must returns v, failing the test on err: must(f())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// roomTracks returns the tracks of the named participant from
// GET /v1/rooms/{room}.
func roomTracks(t *testing.T, ts *httptest.Server, roomName, participant string) []room.TrackInfo {
	t.Helper()
	r := call(t, ts, "GET", "/v1/rooms/"+roomName, "Bearer "+key, "", "")
	var info room.Info
	if err := json.Unmarshal([]byte(r.body), &info); err != nil {
		t.Fatalf("room info %q: %v", r.body, err)
	}
	for _, p := range info.Participants {
		if p.Name == participant {
			return p.Tracks
		}
	}
	return nil
}
