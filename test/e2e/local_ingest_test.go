package e2e

import (
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// TestEgressReadsRoomInProcess: a job of the all-in-one server's own
// worker reads its room in process, with no WebRTC subscription in the
// room, and its output is whole; a standalone worker's job on the same
// kind of room reads it over a relay connection by default, and over
// WebRTC when its worker is configured so, each with a whole output. The
// second of those joins a room whose publisher has run for a while: its
// recording must not open with the seconds of audio the room caches.
func TestEgressReadsRoomInProcess(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, ng, "h264", 2*time.Minute)
	job := postEgress(t, s, map[string]any{
		"room": "live", "outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", "local")}},
	})
	waitStates(t, s, job.ID, 30*time.Second, "live")
	if info := s.RoomInfo(t, "live"); info.LocalSubscribers != 1 || info.Subscribers != 0 {
		t.Errorf("room with the all-in-one server's job: %d local subscribers, %d WebRTC ones; want 1 and 0",
			info.LocalSubscribers, info.Subscribers)
	}
	start := time.Now()
	hold(t, s, job.ID, 6*time.Second)
	elapsed := time.Since(start)
	stopEgress(t, s, job.ID)
	checkRecording(t, ng, "local", elapsed)
	Eventually(t, 10*time.Second, "the local subscription gone", func() bool {
		return s.RoomInfo(t, "live").LocalSubscribers == 0
	})

	// A standalone worker reads the room over a relay connection, or
	// over WebRTC when configured so.
	nats := harness.StartNATS(t, binary)
	store := "ROOMCAST_STORAGE_LOCAL_PATH=" + t.TempDir() // shared by the server and the worker
	api := harness.StartServerIn(t, binary, t.TempDir(), "ROOMCAST_NATS_URL="+nats.URL, "ROOMCAST_WORKERS=0",
		"ROOMCAST_RTMPS_CA_FILE="+ng.CertFile(), store)
	w1 := harness.StartWorker(t, binary, nats.URL, api, "w1", store)
	api.CreateRoom(t, "live")
	api.StartPublisher(t, "live", "host", "h264", 2*time.Minute)
	Eventually(t, 20*time.Second, "publisher tracks", func() bool {
		info := api.RoomInfo(t, "live")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	workerJob(t, api, ng, "relay", func(info harness.RoomInfo) bool {
		return info.RelaySubscribers == 1 && info.LocalSubscribers == 0 && info.Subscribers == 0
	})
	if code := w1.Term(t, 30*time.Second); code != 0 {
		t.Errorf("worker w1 exited with %d", code)
	}
	w2 := harness.StartWorker(t, binary, nats.URL, api, "w2", store, "ROOMCAST_WORKER_ROOM_TRANSPORT=webrtc")
	defer func() { t.Log(w2.Output()) }()
	workerJob(t, api, ng, "webrtc", func(info harness.RoomInfo) bool {
		return info.RelaySubscribers == 0 && info.LocalSubscribers == 0 && info.Subscribers == 1
	})
}

// workerJob runs a job of room live on a standalone worker for 6 s,
// checks how the room sees it subscribed while it runs, and checks its
// recording on nginx under key.
func workerJob(t *testing.T, api *harness.Server, ng *nginxrtmp.Server, key string, subscribed func(harness.RoomInfo) bool) {
	t.Helper()
	job := postEgress(t, api, map[string]any{
		"room": "live", "outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", key)}},
	})
	waitStates(t, api, job.ID, 30*time.Second, "live")
	if info := api.RoomInfo(t, "live"); !subscribed(info) {
		t.Errorf("room with a %s worker's job: %d relay subscribers, %d local ones, %d WebRTC ones",
			key, info.RelaySubscribers, info.LocalSubscribers, info.Subscribers)
	}
	start := time.Now()
	hold(t, api, job.ID, 6*time.Second)
	elapsed := time.Since(start)
	stopEgress(t, api, job.ID)
	checkRecording(t, ng, key, elapsed)
	Eventually(t, 10*time.Second, "the job's subscription gone", func() bool {
		info := api.RoomInfo(t, "live")
		return info.RelaySubscribers+info.LocalSubscribers+info.Subscribers == 0
	})
}
