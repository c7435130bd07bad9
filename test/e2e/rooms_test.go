package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// publisherRun is one synthetic publisher of the room test.
type publisherRun struct {
	name, codec   string
	start, length time.Duration
	stats         PublishStats
}

// TestRoomIngestTenPublishers: 10 publishers (5 VP8, 5 H.264) for 20 s,
// plus one that leaves at 10 s and one that joins at 12 s, all followed by
// one ingest subscription that is never restarted.
func TestRoomIngestTenPublishers(t *testing.T) {
	s := StartServer(t)
	s.CreateRoom(t, "event")
	in := s.StartIngest(t, "event")

	var runs []*publisherRun
	for i := 0; i < 10; i++ {
		codec := "vp8"
		if i%2 == 1 {
			codec = "h264"
		}
		runs = append(runs, &publisherRun{name: fmt.Sprintf("p%d-%s", i, codec), codec: codec, length: 20 * time.Second})
	}
	leaver := &publisherRun{name: "leaver", codec: "vp8", length: 10 * time.Second}
	joiner := &publisherRun{name: "joiner", codec: "h264", start: 12 * time.Second, length: 8 * time.Second}
	runs = append(runs, leaver, joiner)

	begin := time.Now()
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(begin.Add(r.start)))
			p := s.StartPublisher(t, "event", r.name, r.codec, r.length)
			r.stats = p.Wait(t, r.length+40*time.Second)
		}()
	}

	// While they publish, the room lists every participant with its tracks.
	Eventually(t, 15*time.Second, "11 participants listed with their tracks", func() bool {
		info := s.RoomInfo(t, "event")
		for _, p := range info.Participants {
			if len(p.Tracks) < 2 {
				return false
			}
		}
		return len(info.Participants) == 11
	})
	checkRoomInfo(t, s.RoomInfo(t, "event"))
	wg.Wait()

	for _, r := range runs {
		checkTracks(t, in, r)
	}
	Eventually(t, 10*time.Second, "every track removed", func() bool {
		for _, ts := range in.Tracks() {
			if !ts.Removed {
				return false
			}
		}
		return true
	})
	if n := len(in.Tracks()); n != 24 {
		t.Errorf("ingest saw %d tracks, want 24", n)
	}
	Eventually(t, 10*time.Second, "empty room", func() bool { return len(s.RoomInfo(t, "event").Participants) == 0 })
}

func checkRoomInfo(t *testing.T, info RoomInfo) {
	t.Helper()
	for _, p := range info.Participants {
		if p.ID == "" || len(p.Tracks) != 2 {
			t.Errorf("participant %q (id %q): %d tracks, want 2", p.Name, p.ID, len(p.Tracks))
			continue
		}
		kinds := map[string]string{}
		for _, tr := range p.Tracks {
			if tr.ID == "" {
				t.Errorf("participant %s: track without id", p.Name)
			}
			kinds[tr.Kind] = tr.Codec
		}
		if kinds["audio"] != "opus" || (kinds["video"] != "VP8" && kinds["video"] != "H264") {
			t.Errorf("participant %s: tracks %v", p.Name, kinds)
		}
	}
}

// checkTracks compares what a publisher sent with what the ingest got.
func checkTracks(t *testing.T, in *Ingest, r *publisherRun) {
	t.Helper()
	tracks := in.ByParticipant(r.name)
	if len(tracks) != 2 {
		t.Errorf("%s: ingest has %d tracks, want 2: %+v", r.name, len(tracks), tracks)
		return
	}
	video, audio := tracks[0], tracks[1]
	wantCodec := map[string]string{"vp8": "VP8", "h264": "H264"}[r.codec]
	if video.Kind != "video" || video.Codec != wantCodec || audio.Kind != "audio" || audio.Codec != "opus" {
		t.Errorf("%s: tracks %+v", r.name, tracks)
	}
	ratio := func(got int, sent uint64) float64 { return float64(got) / float64(sent) }
	if rv := ratio(video.Frames, r.stats.VideoFrames); rv < 0.99 {
		t.Errorf("%s: video %d of %d frames (%.3f), want >= 0.99", r.name, video.Frames, r.stats.VideoFrames, rv)
	}
	if ra := ratio(audio.Frames, r.stats.AudioFrames); ra < 0.99 {
		t.Errorf("%s: audio %d of %d frames (%.3f), want >= 0.99", r.name, audio.Frames, r.stats.AudioFrames, ra)
	}
	if !video.FirstKey {
		t.Errorf("%s: first video unit is not a keyframe", r.name)
	}
	// Audio and video start at the same instant at the publisher: on the
	// common clock they must line up (lip sync).
	if d := (video.FirstPTS - audio.FirstPTS).Abs(); d > 60*time.Millisecond {
		t.Errorf("%s: audio/video start %v apart, want <= 60ms", r.name, d)
	}
	for _, st := range in.Stats() {
		if st.Track.ParticipantName == r.name {
			t.Logf("%s %s: packets %d lost %d recovered %d late %d dup %d malformed %d dropped %d plis %d",
				r.name, st.Track.Kind, st.Packets, st.Lost, st.Recovered, st.Late, st.Duplicates, st.Malformed, st.DroppedFrames, st.PLIsSent)
		}
	}
	t.Logf("%s: video %d/%d audio %d/%d keyframes %d av-offset %v", r.name, video.Frames, r.stats.VideoFrames,
		audio.Frames, r.stats.AudioFrames, video.Keyframes, video.FirstPTS-audio.FirstPTS)
}

func TestAPIKeys(t *testing.T) {
	s := StartServer(t)
	var e APIError
	for _, key := range []string{"", "wrong-key-0123456789"} {
		if code := s.DoKey(t, key, "GET", "/v1/rooms", nil, &e); code != http.StatusUnauthorized || e.Error.Message == "" || e.Error.Code != "unauthorized" {
			t.Errorf("key %q: status %d error %q, want 401 with a reason", key, code, e.Error.Message)
		}
	}
	if code := s.Do(t, "GET", "/v1/rooms", nil, nil); code != http.StatusOK {
		t.Errorf("good key: status %d", code)
	}
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz without key: %v %v", resp, err)
	}
	resp.Body.Close()
}
