package e2e

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClusterStuckRecording: a job whose only worker was killed waits
// (pending, with why) for another; stopped then, its recording, which
// no worker is left to finish, ends interrupted with a VOD playlist
// within 10 s, recording_ready fires and the recording can be deleted.
func TestClusterStuckRecording(t *testing.T) {
	const secret = "webhook-secret-stuck-0123456789"
	rec := &hookReceiver{t: t, secret: secret, seen: map[string]bool{}}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	c := startCluster(t, 1, "ROOMCAST_WEBHOOK_URL="+hook.URL+"/hooks", "ROOMCAST_WEBHOOK_SECRET="+secret)
	liveRoom(t, c.api)
	j := c.start(t, map[string]any{"room": "live", "outputs": map[string]any{"record": map[string]any{"segment_seconds": 2}}})
	rid := j.Outputs.Record.RecordingID
	c.waitJob(t, j.ID, 30*time.Second, "recording on w1", func(j clusterJob) bool {
		return isActive(j) && j.Worker == "w1" && j.Outputs.Record != nil && j.Outputs.Record.Segments >= 3
	})
	c.workers["w1"].Kill(t)
	pending := c.waitJob(t, j.ID, 15*time.Second, "job pending after its worker died", func(j clusterJob) bool {
		return j.Status == "pending" && strings.Contains(j.Reason, "w1")
	})
	t.Logf("after the kill: %s (%s)", pending.Status, pending.Reason)
	if _, code := getManifest(t, c.api, rid); code != http.StatusOK {
		t.Fatalf("recording %s: %d", rid, code)
	}
	if code := c.api.Do(t, "DELETE", "/v1/recordings/"+rid, nil, nil); code != http.StatusConflict {
		t.Errorf("DELETE of a recording still open: %d, want 409", code)
	}
	if code := c.api.Do(t, "DELETE", "/v1/egress/"+j.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	stopped := time.Now()
	m := waitStatus(t, c.api, rid, "interrupted", 10*time.Second)
	t.Logf("recording interrupted %v after the stop: %.1f s in %d segments", time.Since(stopped).Round(time.Millisecond), m.Duration, len(m.Segments))
	Eventually(t, 10*time.Second, "recording_ready", func() bool { return slices.Contains(rec.of(j.ID), "recording_ready") })
	if got := rec.of(j.ID); got[0] != "egress_started" || got[len(got)-1] != "recording_ready" || !slices.Contains(got, "egress_ended") {
		t.Errorf("events %v: want egress_started … egress_ended, recording_ready", got)
	}
	checkContiguous(t, m)
	checkObjects(t, c.api, m)
	checkPlaylist(t, c.api, rid)
	if pl := string(fetch(t, c.api, "/v1/recordings/"+rid+"/index.m3u8")); !strings.Contains(pl, "#EXT-X-ENDLIST") {
		t.Errorf("the playlist of the interrupted recording is not a VOD:\n%s", pl)
	}
	if code := c.api.Do(t, "DELETE", "/v1/recordings/"+rid, nil, nil); code != http.StatusNoContent {
		t.Errorf("DELETE of the interrupted recording: %d, want 204", code)
	}
	if _, code := getManifest(t, c.api, rid); code != http.StatusNotFound {
		t.Errorf("recording after DELETE: %d, want 404", code)
	}
}
