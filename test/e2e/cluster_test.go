package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
)

// cluster is an external NATS, an API server with no worker of its own,
// and worker processes, sharing one MinIO for recordings.
type cluster struct {
	nats    *harness.NATS
	api     *Server
	store   backend
	workers map[string]*harness.Process
	data    map[string]string // each worker's data directory
	env     []string
}

func startCluster(t *testing.T, workers int, env ...string) *cluster {
	t.Helper()
	c := &cluster{nats: harness.StartNATS(t, binary), store: minioBackend(t), workers: map[string]*harness.Process{}, data: map[string]string{}}
	c.env = append(append([]string{"ROOMCAST_WORKER_LEASE=3s", "ROOMCAST_WORKER_DRAIN_TIMEOUT=20s"}, c.store.env...), env...)
	c.api = harness.StartServerIn(t, binary, t.TempDir(), append([]string{"ROOMCAST_NATS_URL=" + c.nats.URL, "ROOMCAST_WORKERS=0"}, c.env...)...)
	for i := 1; i <= workers; i++ {
		c.addWorker(t, fmt.Sprintf("w%d", i))
	}
	return c
}

func (c *cluster) addWorker(t *testing.T, id string) {
	t.Helper()
	if c.data[id] == "" {
		c.data[id] = t.TempDir()
	}
	c.workers[id] = harness.StartWorkerIn(t, binary, c.nats.URL, c.api, id, c.data[id], c.env...)
}

// clusterJob is GET /v1/egress/{id} with the fields the cluster tests read.
type clusterJob struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Error   string `json:"error"`
	Worker  string `json:"worker"`
	Outputs struct {
		RTMP []struct {
			State string `json:"state"`
		} `json:"rtmp"`
		Record *struct {
			RecordingID    string `json:"recording_id"`
			Segments       int    `json:"segments"`
			PendingUploads int    `json:"pending_uploads"`
		} `json:"record"`
	} `json:"outputs"`
}

func (c *cluster) job(t *testing.T, id string) clusterJob {
	t.Helper()
	var j clusterJob
	c.api.GetEgress(t, id, &j)
	return j
}

func (c *cluster) waitJob(t *testing.T, id string, within time.Duration, what string, cond func(clusterJob) bool) clusterJob {
	t.Helper()
	var j clusterJob
	defer func() {
		if t.Failed() {
			t.Logf("last state of %s: %+v", id, j)
		}
	}()
	Eventually(t, within, what, func() bool { j = c.job(t, id); return cond(j) })
	return j
}

func (c *cluster) start(t *testing.T, body map[string]any) clusterJob {
	t.Helper()
	var j clusterJob
	if code := c.api.Do(t, "POST", "/v1/egress", body, &j); code != http.StatusCreated {
		t.Fatalf("start: status %d %+v", code, j)
	}
	return j
}

func isActive(j clusterJob) bool { return j.Status == "active" }

// liveRoom creates room "live" with one H.264 publisher and waits for
// its tracks.
func liveRoom(t *testing.T, s *Server) {
	t.Helper()
	liveRoomAs(t, s, s.Key)
}

// liveRoomAs is liveRoom in the room "live" of key's tenant (rooms are
// per tenant).
func liveRoomAs(t *testing.T, s *Server, key string) {
	t.Helper()
	if code := s.DoKey(t, key, "POST", "/v1/rooms", map[string]string{"name": "live"}, nil); code != http.StatusCreated {
		t.Fatalf("create room live: status %d", code)
	}
	s.StartPublisherArgs(t, "live", "host", "--token", key, "--codec", "h264", "--duration", "3m")
	Eventually(t, 20*time.Second, "publisher tracks", func() bool {
		var info RoomInfo
		s.DoKey(t, key, "GET", "/v1/rooms/live", nil, &info)
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
}

// publishCounter counts the publishes nginx-rtmp reports per stream key.
type publishCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (p *publishCounter) handler(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	p.mu.Lock()
	p.n[r.Form.Get("name")]++
	p.mu.Unlock()
}

func (p *publishCounter) count(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[key]
}

// admissionEnv prices each job at a full core and gives each worker four
// cores, so that four jobs fill a worker. A job priced at what it
// measures would be raised by the measurement (jobs.TestMeasuredCPURaisesPrice covers
// that) when a slow CI machine runs twelve of them under -race; priced
// this high, admission is by price alone, which is what these tests check.
var admissionEnv = []string{"ROOMCAST_WORKER_CAPACITY=400", "ROOMCAST_COST_TRANSCODE=100"}

func TestClusterAdmission(t *testing.T) {
	c := startCluster(t, 3, admissionEnv...)
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	liveRoom(t, c.api)
	var ids []string
	for i := range 13 {
		j := c.start(t, map[string]any{"room": "live", "thumbnails": false, "outputs": map[string]any{"rtmp": []string{ng.RTMPURL(ng.App(), fmt.Sprintf("key-%d", i))}}})
		ids = append(ids, j.ID)
	}
	perWorker := map[string]int{}
	for _, id := range ids[:12] {
		j := c.waitJob(t, id, 40*time.Second, "job active", isActive)
		perWorker[j.Worker]++
	}
	if len(perWorker) != 3 || perWorker["w1"] != 4 || perWorker["w2"] != 4 || perWorker["w3"] != 4 {
		t.Errorf("jobs per worker %v, want 4 on each of 3", perWorker)
	}
	j13 := c.waitJob(t, ids[12], 15*time.Second, "13th job pending with a reason", func(j clusterJob) bool {
		return j.Status == "pending" && strings.Contains(j.Reason, "no worker has room")
	})
	t.Logf("13th job: %s", j13.Reason)
	var workers struct {
		Workers []struct {
			ID             string
			Capacity, Load int
			Jobs           []string
		} `json:"workers"`
	}
	if code := c.api.Do(t, "GET", "/v1/workers", nil, &workers); code != http.StatusOK || len(workers.Workers) != 3 {
		t.Fatalf("GET /v1/workers: %d %+v", code, workers)
	}
	for _, w := range workers.Workers {
		if w.Capacity != 400 || w.Load != 400 || len(w.Jobs) != 4 {
			t.Errorf("worker %+v, want capacity 400, load 400, 4 jobs", w)
		}
	}
	if code := c.api.Do(t, "DELETE", "/v1/egress/"+ids[0], nil, nil); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	c.waitJob(t, ids[12], 20*time.Second, "13th job starts when one finishes", isActive)
}

// TestClusterFailover: the owner of a job with a recording (raw tracks
// on) and two RTMP targets is killed, with the default lease, while the
// store stalls, so that segments wait in its spool. Another
// worker continues the job; then the killed worker restarts on its own
// data directory, uploads what its spool held and hands it to the new
// owner, which merges it into the recording in time order. Every object
// the final recording names exists with its hash, no name is listed
// twice, and the recording covers the wall time but the takeover gap.
func TestClusterFailover(t *testing.T) {
	c := startCluster(t, 3, "ROOMCAST_WORKER_LEASE=6s")
	pubs := &publishCounter{n: map[string]int{}}
	hook := httptest.NewServer(http.HandlerFunc(pubs.handler))
	defer hook.Close()
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true, OnPublish: hook.URL + "/on_publish"})
	liveRoom(t, c.api)
	j := c.start(t, map[string]any{
		"room":  "live",
		"video": map[string]int{"width": 640, "height": 360, "fps": 30, "bitrate_kbps": 800},
		"outputs": map[string]any{
			"rtmp":   []string{ng.RTMPURL(ng.App(), "key-a"), ng.RTMPURL(ng.App(), "key-b")},
			"record": map[string]any{"segment_seconds": 2, "tracks": "raw"},
		},
	})
	rid := j.Outputs.Record.RecordingID
	c.waitJob(t, j.ID, 30*time.Second, "job active", isActive)
	started := time.Now() // the recording's wall clock starts
	// Three segments of 2 s take 6 s; the bound leaves room for a loaded
	// machine (30 s ran out once beside a fuzzer on both cores).
	j = c.waitJob(t, j.ID, 60*time.Second, "job live on both targets", func(j clusterJob) bool {
		return isActive(j) && len(j.Outputs.RTMP) == 2 && j.Outputs.RTMP[0].State == "live" && j.Outputs.RTMP[1].State == "live" &&
			j.Outputs.Record != nil && j.Outputs.Record.Segments >= 3
	})
	owner := j.Worker
	// The store stalls, then the owner dies with segments in its spool.
	c.store.minio.Stop()
	c.waitJob(t, j.ID, 20*time.Second, "segments waiting in the owner's spool", func(j clusterJob) bool {
		return j.Outputs.Record != nil && j.Outputs.Record.PendingUploads >= 4
	})
	c.workers[owner].Kill(t)
	killed := time.Now()
	c.store.minio.Start()
	j = c.waitJob(t, j.ID, 15*time.Second, "job active on another worker", func(j clusterJob) bool {
		return isActive(j) && j.Worker != "" && j.Worker != owner
	})
	took := time.Since(killed)
	t.Logf("killed %s; active on %s after %v", owner, j.Worker, took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("taken over %v after the kill: its peers should notice within a third of the 6 s lease", took)
	}
	Eventually(t, 20*time.Second, "both targets receive a stream again", func() bool {
		return pubs.count("key-a") >= 2 && pubs.count("key-b") >= 2
	})
	c.waitJob(t, j.ID, 20*time.Second, "recording goes on", func(j clusterJob) bool {
		return j.Outputs.Record != nil && j.Outputs.Record.Segments >= 3
	})
	// The new owner fills the time nobody recorded from the room's
	// history: the recording is whole without the killed worker.
	var before manifest
	Eventually(t, 20*time.Second, "the takeover gap filled", func() bool {
		before, _ = getManifest(t, c.api, rid)
		return fillSeconds(before) > 0
	})
	first, last := before.Segments[0], before.Segments[len(before.Segments)-1]
	span := last.Wall.Add(seconds(last.Duration)).Sub(first.Wall).Seconds()
	noRestart := before.Duration / span
	t.Logf("without the restart: %.1f s recorded of the %.1f s from its first segment's start to its last one's end (%.1f %%), %.1f s of it filled",
		before.Duration, span, 100*noRestart, fillSeconds(before))
	if noRestart < 0.97 {
		t.Errorf("without the restart the recording covers %.1f %%, want >= 97 %%", 100*noRestart)
	}
	c.addWorker(t, owner) // restarted on its own data directory
	defer func() {
		if t.Failed() {
			t.Logf("restarted %s:\n%s", owner, c.workers[owner].Output())
		}
	}()
	Eventually(t, 30*time.Second, "the restarted worker merged what it left", func() bool {
		return strings.Contains(c.workers[owner].Output(), "merged the segments this recorder left")
	})
	Eventually(t, 45*time.Second, "40 s after the kill", func() bool { return time.Since(killed) > 40*time.Second })
	if code := c.api.Do(t, "DELETE", "/v1/egress/"+j.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	wall := time.Since(started)
	m := waitStatus(t, c.api, rid, "complete", 30*time.Second)
	takeover := 0
	for _, d := range m.Discontinuities {
		if strings.Contains(d.Reason, "taken over") {
			takeover++
		}
	}
	if takeover != 1 {
		t.Errorf("discontinuities %+v, want exactly one takeover", m.Discontinuities)
	}
	merged := mergedSeconds(before, m)
	if merged <= 0 {
		t.Errorf("nothing of the killed worker's spool reached the recording (%.1f s)", merged)
	}
	cover := m.Duration / wall.Seconds()
	t.Logf("recording %.1f s over %.1f s wall clock (%.1f %%), %d segments, %d raw parts; %.1f s merged from the restarted worker, %.1f s filled; discontinuities %+v",
		m.Duration, wall.Seconds(), 100*cover, len(m.Segments), len(m.Raw), merged, fillSeconds(m), m.Discontinuities)
	if cover < 0.97 {
		t.Errorf("the recording covers %.1f s of %.1f s (%.1f %%), want >= 97 %%", m.Duration, wall.Seconds(), 100*cover)
	}
	checkWallClock(t, m)
	grabFrames(t, c.api, rid, m)
	if len(m.Raw) == 0 {
		t.Error("no raw track parts")
	}
	checkContiguous(t, m)
	checkObjects(t, c.api, m)
	checkPlaylist(t, c.api, rid)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// fillSeconds is how much of m a takeover filled from the room's history.
func fillSeconds(m manifest) float64 {
	sum := 0.0
	for _, s := range m.Segments {
		if s.Fill {
			sum += s.Duration
		}
	}
	return sum
}

// checkWallClock checks that the segments follow each other on the wall
// clock: no hole of more than a fill segment and a frame, no repeat of
// more than the fill's allowed overlap (250 ms) and a frame.
func checkWallClock(t *testing.T, m manifest) {
	t.Helper()
	var maxGap, maxOverlap time.Duration
	for i := 1; i < len(m.Segments); i++ {
		prev, s := m.Segments[i-1], m.Segments[i]
		if prev.Wall.IsZero() || s.Wall.IsZero() {
			t.Errorf("segment %s or %s has no wall time", prev.Name, s.Name)
			continue
		}
		d := s.Wall.Sub(prev.Wall.Add(seconds(prev.Duration)))
		maxGap, maxOverlap = max(maxGap, d), max(maxOverlap, -d)
	}
	t.Logf("wall clock: largest hole between segments %v, largest repeat %v", maxGap.Round(time.Millisecond), maxOverlap.Round(time.Millisecond))
	if maxGap > 1100*time.Millisecond || maxOverlap > 300*time.Millisecond {
		t.Errorf("segments on the wall clock: a hole of %v or a repeat of %v", maxGap, maxOverlap)
	}
}

// grabFrames writes, when ROOMCAST_FRAMES_DIR is set, a frame from the
// download just after the fill starts and just after it ends, to look at.
func grabFrames(t *testing.T, s *Server, id string, m manifest) {
	dir := os.Getenv("ROOMCAST_FRAMES_DIR")
	if dir == "" {
		return
	}
	mp4 := filepath.Join(t.TempDir(), id+".mp4")
	if err := os.WriteFile(mp4, fetch(t, s, "/v1/recordings/"+id+"/download"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := 0.0
	for i, seg := range m.Segments {
		edge := i > 0 && seg.Fill != m.Segments[i-1].Fill
		if edge {
			png := filepath.Join(dir, fmt.Sprintf("failover-%s-%.1fs.png", map[bool]string{true: "fill", false: "after-fill"}[seg.Fill], start))
			out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-ss", fmt.Sprint(start+0.2), "-i", mp4, "-frames:v", "1", png).CombinedOutput()
			if err != nil {
				t.Errorf("grab a frame at %.1f s: %v: %s", start, err, out)
			}
		}
		start += seg.Duration
	}
}

// mergedSeconds is how much of the killed recorder's own (generation 0)
// segments the final manifest has beyond what the store had before it
// restarted.
func mergedSeconds(before, after manifest) float64 {
	had := map[string]bool{}
	for _, s := range before.Segments {
		had[s.Name] = true
	}
	sum := 0.0
	for _, s := range after.Segments {
		if !had[s.Name] && !strings.HasPrefix(s.Name, "g") {
			sum += s.Duration
		}
	}
	return sum
}

func TestClusterDrain(t *testing.T) {
	c := startCluster(t, 2)
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	liveRoom(t, c.api)
	j := c.start(t, map[string]any{"room": "live", "outputs": map[string]any{
		"rtmp": []string{ng.RTMPURL(ng.App(), "key-d")}, "record": map[string]any{"segment_seconds": 2, "tracks": "raw"},
	}})
	rid := j.Outputs.Record.RecordingID
	j = c.waitJob(t, j.ID, 30*time.Second, "job recording", func(j clusterJob) bool {
		return isActive(j) && j.Outputs.Record != nil && j.Outputs.Record.Segments >= 2
	})
	owner := j.Worker
	start := time.Now()
	if code := c.workers[owner].Term(t, 30*time.Second); code != 0 {
		t.Errorf("drained worker exited %d, want 0\n%s", code, c.workers[owner].Output())
	}
	j = c.waitJob(t, j.ID, 15*time.Second, "job moved", func(j clusterJob) bool { return isActive(j) && j.Worker != owner })
	t.Logf("%s drained in %v; job active on %s", owner, time.Since(start).Round(time.Millisecond), j.Worker)
	moved := j.Outputs.Record.Segments
	c.waitJob(t, j.ID, 20*time.Second, "the new owner records 2 segments", func(j clusterJob) bool {
		return j.Outputs.Record != nil && j.Outputs.Record.Segments >= moved+2
	})
	if code := c.api.Do(t, "DELETE", "/v1/egress/"+j.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	m := waitStatus(t, c.api, rid, "complete", 30*time.Second)
	gens := map[bool]int{}
	for _, r := range m.Raw {
		gens[strings.Contains(r.Name, "/g1-")]++
	}
	if gens[false] != 2 || gens[true] != 2 {
		t.Errorf("raw parts %+v: want video and audio of both recorders", m.Raw)
		t.Logf("drained worker %s:\n%s", owner, c.workers[owner].Output())
	}
	handovers := 0
	for _, d := range m.Discontinuities {
		if strings.Contains(d.Reason, "taken over") {
			handovers++
		}
	}
	if handovers != 1 {
		t.Errorf("discontinuities %+v, want one handover", m.Discontinuities)
	}
	checkContiguous(t, m)
	checkObjects(t, c.api, m) // every name once, every object with its hash
	t.Logf("after the drain: %d segments, %.1f s, raw parts %d + %d", len(m.Segments), m.Duration, gens[false], gens[true])
}

// hookReceiver collects webhook deliveries, checking each signature.
type hookReceiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	events []webhook.Event
	seen   map[string]bool
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if err := webhook.Verify(h.secret, r.Header, body, time.Now(), time.Minute); err != nil {
		h.t.Errorf("webhook signature: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		h.t.Errorf("webhook body: %v", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.seen[ev.ID] { // at least once: duplicates are dropped by id
		h.seen[ev.ID] = true
		h.events = append(h.events, ev)
	}
}

func (h *hookReceiver) of(job string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var types []string
	for _, ev := range h.events {
		if ev.EgressID == job {
			types = append(types, ev.Type)
		}
	}
	return types
}

func TestWebhooks(t *testing.T) {
	const secret = "webhook-secret-0123456789"
	rec := &hookReceiver{t: t, secret: secret, seen: map[string]bool{}}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	s := StartServer(t, "ROOMCAST_WEBHOOK_URL="+hook.URL+"/hooks", "ROOMCAST_WEBHOOK_SECRET="+secret)
	liveRoom(t, s)
	var ids []string
	for i := range 2 {
		var j clusterJob
		body := map[string]any{"room": "live", "outputs": map[string]any{
			"rtmp": []string{ng.RTMPURL(ng.App(), fmt.Sprintf("hook-%d", i))}, "record": map[string]any{"segment_seconds": 2},
		}}
		if code := s.Do(t, "POST", "/v1/egress", body, &j); code != http.StatusCreated {
			t.Fatalf("start: %d", code)
		}
		ids = append(ids, j.ID)
	}
	for _, id := range ids {
		Eventually(t, 30*time.Second, "job live", func() bool {
			var j clusterJob
			s.Do(t, "GET", "/v1/egress/"+id, nil, &j)
			return j.Status == "active" && len(j.Outputs.RTMP) == 1 && j.Outputs.RTMP[0].State == "live"
		})
	}
	for _, id := range ids {
		if code := s.Do(t, "DELETE", "/v1/egress/"+id, nil, nil); code != http.StatusOK {
			t.Fatalf("stop: %d", code)
		}
	}
	for _, id := range ids {
		Eventually(t, 20*time.Second, "egress_ended and recording_ready delivered", func() bool {
			ev := rec.of(id)
			return len(ev) > 0 && ev[len(ev)-1] == webhook.RecordingReady
		})
		ev := rec.of(id)
		if ev[0] != webhook.EgressStarted || ev[len(ev)-2] != webhook.EgressEnded {
			t.Errorf("job %s events %v: want egress_started first, then egress_updated…, egress_ended, recording_ready", id, ev)
		}
		for _, typ := range ev[1 : len(ev)-2] {
			if typ != webhook.EgressUpdated {
				t.Errorf("job %s events %v: %s in the middle", id, ev, typ)
			}
		}
		t.Logf("job %s: %v", id, ev)
	}
}

func TestClusterNATSRestart(t *testing.T) {
	c := startCluster(t, 2)
	liveRoom(t, c.api)
	j := c.start(t, map[string]any{"room": "live", "outputs": map[string]any{"record": map[string]any{"segment_seconds": 2}}})
	rid := j.Outputs.Record.RecordingID
	j = c.waitJob(t, j.ID, 30*time.Second, "recording", func(j clusterJob) bool {
		return isActive(j) && j.Outputs.Record != nil && j.Outputs.Record.Segments >= 2
	})
	owner := j.Worker
	c.nats.Stop()
	down := time.Now()
	Eventually(t, 10*time.Second, "5 s without NATS", func() bool { return time.Since(down) > 5*time.Second })
	c.nats.Start()
	// Workers and the API reconnect; the job goes on where it was.
	j = c.waitJob(t, j.ID, 30*time.Second, "job reported again after the restart", func(j clusterJob) bool {
		return isActive(j) && j.Outputs.Record != nil && j.Outputs.Record.Segments >= 8
	})
	if j.Worker != owner {
		t.Errorf("the job moved from %s to %s over a NATS restart", owner, j.Worker)
	}
	if code := c.api.Do(t, "DELETE", "/v1/egress/"+j.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	m := waitStatus(t, c.api, rid, "complete", 30*time.Second)
	if len(m.Discontinuities) != 0 {
		t.Errorf("discontinuities %+v, want none", m.Discontinuities)
	}
	checkContiguous(t, m)
	checkObjects(t, c.api, m)
	t.Logf("recording over a NATS restart: %d segments, %.1f s", len(m.Segments), m.Duration)
}

func TestClusterBurst(t *testing.T) {
	// 200 requests at once from one address: past the per-address
	// connection cap a real deployment keeps, so the test lifts it.
	c := startCluster(t, 3, append(admissionEnv, "ROOMCAST_SERVER_MAX_CONNS_PER_IP=0")...)
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	const rooms = 200
	for i := range rooms {
		c.api.CreateRoom(t, fmt.Sprintf("room-%03d", i))
	}
	ids := make([]string, rooms)
	codes := make([]int, rooms)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range rooms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var j clusterJob
			room := fmt.Sprintf("room-%03d", i)
			codes[i] = c.api.Do(t, "POST", "/v1/egress", map[string]any{"room": room, "thumbnails": false,
				"outputs": map[string]any{"rtmp": []string{ng.RTMPURL(ng.App(), room)}}}, &j)
			ids[i] = j.ID
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for i, code := range codes {
		if code != http.StatusCreated {
			t.Errorf("POST %d: status %d", i, code)
		}
	}
	t.Logf("%d POST /v1/egress in %v", rooms, took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("the burst took %v", took)
	}
	var list struct {
		Egress []clusterJob `json:"egress"`
	}
	if code := c.api.Do(t, "GET", "/v1/egress", nil, &list); code != http.StatusOK || len(list.Egress) != rooms {
		t.Fatalf("GET /v1/egress: %d, %d jobs, want %d", code, len(list.Egress), rooms)
	}
	// Every job is running (12 fit) or pending with its reason.
	Eventually(t, 60*time.Second, "12 running, the rest waiting with a reason", func() bool {
		running, waiting := 0, 0
		for _, id := range ids {
			switch j := c.job(t, id); {
			case j.Status == "active":
				running++
			case j.Status == "pending" && j.Reason != "":
				waiting++
			}
		}
		return running == 12 && waiting == rooms-12
	})
}

// TestNATSUnreachable: serve and worker refuse to start, clearly, when
// their NATS does not answer.
func TestNATSUnreachable(t *testing.T) {
	dead := "nats://" + testutil.FreeAddr(t) // nothing listens there
	for name, args := range map[string][]string{
		"serve":  {"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--nats", dead, "--workers", "0"},
		"worker": {"worker", "--nats", dead, "--server", "http://127.0.0.1:1", "--data", t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, args...)
			cmd.Env = append(os.Environ(), "ROOMCAST_API_KEY="+harness.TestKey, "ROOMCAST_STORAGE_LOCAL_PATH="+t.TempDir(), harness.SecretKeyEnv(t))
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 || ctx.Err() != nil {
				t.Fatalf("%s did not fail: %v\n%s", name, err, out)
			}
			if !strings.Contains(string(out), "nats unavailable") {
				t.Errorf("%s: unclear error:\n%s", name, out)
			}
		})
	}
}
