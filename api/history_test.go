package api

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	"github.com/roomcast/roomcast/pipeline/rtpdump"
	"github.com/roomcast/roomcast/test/harness"
)

func TestParseSince(t *testing.T) {
	cases := []struct {
		query string
		want  time.Time
		bad   string // in the error
	}{
		{"since=2026-01-02T15:04:05Z", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), ""},
		{"since=2026-01-02T15:04:05.123456789Z", time.Date(2026, 1, 2, 15, 4, 5, 123456789, time.UTC), ""},
		{"since=2026-01-02T16:04:05.5%2B01:00", time.Date(2026, 1, 2, 15, 4, 5, 5e8, time.UTC), ""},
		{"", time.Time{}, "missing"},
		{"since=", time.Time{}, "RFC 3339"},
		{"since=yesterday", time.Time{}, "RFC 3339"},
		{"since=1767366245", time.Time{}, "RFC 3339"},
		{"since=2026-01-02T16:04:05+01:00", time.Time{}, "%2B"}, // the + became a space
		{"since=2026-01-02T15:04:05Z&since=2026-01-02T15:04:06Z", time.Time{}, "2 times"},
		{"since=2026-13-02T15:04:05Z", time.Time{}, "RFC 3339"},
	}
	for _, c := range cases {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseSince(q)
		switch {
		case c.bad == "" && (err != nil || !got.Equal(c.want)):
			t.Errorf("%q: %v, %v; want %v", c.query, got, err, c.want)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad) || !strings.Contains(err.Error(), "since")):
			t.Errorf("%q: error %v, want one naming since and %q", c.query, err, c.bad)
		}
	}
}

func TestRoomHistoryRefusals(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	call(t, ts, "POST", "/v1/rooms", auth, "application/json", `{"name":"r1"}`)
	now := url.QueryEscape(time.Now().Format(time.RFC3339Nano))
	cases := []struct {
		name, path, auth string
		want             int
	}{
		{"no key", "/v1/rooms/r1/history?since=" + now, "", http.StatusUnauthorized},
		{"no since", "/v1/rooms/r1/history", auth, http.StatusBadRequest},
		{"bad since", "/v1/rooms/r1/history?since=now", auth, http.StatusBadRequest},
		{"since twice", "/v1/rooms/r1/history?since=" + now + "&since=" + now, auth, http.StatusBadRequest},
		{"unknown room", "/v1/rooms/nope/history?since=" + now, auth, http.StatusNotFound},
		{"bad room name", "/v1/rooms/" + strings.Repeat("a", 300) + "/history?since=" + now, auth, http.StatusNotFound},
	}
	for _, c := range cases {
		r := call(t, ts, "GET", c.path, c.auth, "", "")
		if r.status != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.want)
			continue
		}
		errorOf(t, r)
	}
	// An empty room has an empty history.
	r := call(t, ts, "GET", "/v1/rooms/r1/history?since="+now, auth, "", "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != HistoryContentType {
		t.Fatalf("empty room: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	if rec, err := rtpdump.NewReader(strings.NewReader(r.body)).Next(); err != io.EOF {
		t.Errorf("empty room's history: %v, %v; want an empty dump", rec, err)
	}
}

// TestRoomHistory publishes VP8 over WHIP (a keyframe every 10 frames of
// 20 ms) and fetches the last half second of the room's history.
func TestRoomHistory(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	track, _ := publishVP8(t, ts, "name=alice")
	frames := sendVP8(t, track)
	// The track shows once its first packet arrived; then 1 s more.
	harness.Eventually(t, 10*time.Second, "alice's track in the room", func() bool { return len(roomTracks(t, ts, "r1", "alice")) > 0 })
	n := frames.Load()
	harness.Eventually(t, 10*time.Second, "50 more frames", func() bool { return frames.Load() >= n+50 })
	since := time.Now().Add(-500 * time.Millisecond)
	r := call(t, ts, "GET", "/v1/rooms/r1/history?since="+url.QueryEscape(since.Format(time.RFC3339Nano)), auth, "", "")
	end := time.Now()
	if r.status != http.StatusOK || r.header.Get("Content-Type") != HistoryContentType {
		t.Fatalf("history: %d %q", r.status, r.header.Get("Content-Type"))
	}
	tracks, arrivals, first := readHistory(t, r.body)
	listed := roomTracks(t, ts, "r1", "alice")
	if len(tracks) != 1 || tracks[0].ID != listed[0].ID || tracks[0].Codec != "VP8" || tracks[0].Kind != "video" ||
		tracks[0].ClockRate != 90000 || tracks[0].ParticipantName != "alice" || tracks[0].Source != "camera" {
		t.Fatalf("dump tracks %+v, room lists %+v", tracks, listed)
	}
	if len(arrivals) == 0 {
		t.Fatal("no packets in the history")
	}
	if first.Payload[0] != 0x10 || first.Payload[4] != 0x9d {
		t.Errorf("the history starts with %x, not a keyframe", first.Payload)
	}
	// The keyframe at or before since is at most 200 ms (10 frames) before
	// it, plus the jitter of a loaded machine.
	if d := since.Sub(arrivals[0]); d < 0 || d > 700*time.Millisecond {
		t.Errorf("the history starts %v before since, want 0 to 200 ms", d)
	}
	if d := end.Sub(arrivals[len(arrivals)-1]); d > time.Second {
		t.Errorf("the history ends %v before it was fetched", d)
	}
	for i := 1; i < len(arrivals); i++ {
		if arrivals[i].Before(arrivals[i-1]) {
			t.Fatalf("packet %d arrived before packet %d", i, i-1)
		}
	}
}

// sendVP8 sends a VP8 frame every 20 ms, a keyframe every 10, until the
// test ends, and counts them.
func sendVP8(t *testing.T, track *webrtc.TrackLocalStaticRTP) *atomic.Int64 {
	var frames atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for n := uint16(0); ; n++ {
			payload := []byte{0x10, 0x11, 0x00, 0x00, byte(n)} // an inter frame
			if n%10 == 0 {
				payload = []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}
			}
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: n, Timestamp: uint32(n) * 1800, Marker: true}, Payload: payload}
			_ = track.WriteRTP(pkt)
			frames.Add(1)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	return &frames
}

// readHistory parses a dump: its tracks, the arrival of each packet, and
// the first packet.
func readHistory(t *testing.T, body string) ([]rtpdump.Track, []time.Time, rtp.Packet) {
	t.Helper()
	rd := rtpdump.NewReader(bytes.NewReader([]byte(body)))
	var arrivals []time.Time
	var first rtp.Packet
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return rd.Tracks(), arrivals, first
		}
		if err != nil {
			t.Fatalf("history of %d bytes: %v", len(body), err)
		}
		p, ok := rec.(*rtpdump.Packet)
		if !ok {
			continue
		}
		if len(arrivals) == 0 {
			if err := first.Unmarshal(bytes.Clone(p.RTP)); err != nil || len(first.Payload) < 5 {
				t.Fatalf("first packet %x: %v", p.RTP, err)
			}
		}
		arrivals = append(arrivals, p.Arrival)
	}
}
