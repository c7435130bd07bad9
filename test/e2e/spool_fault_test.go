package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
)

// spoolJob is GET /v1/egress/{id} with the record output's spool fields.
type spoolJob struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Outputs struct {
		Record *struct {
			RecordingID      string   `json:"recording_id"`
			State            string   `json:"state"`
			Segments         int      `json:"segments"`
			Error            string   `json:"error"`
			SpoolSecondsLeft *float64 `json:"spool_seconds_left"`
			Dropped          *dropped `json:"dropped"`
		} `json:"record"`
	} `json:"outputs"`
	Quality *struct {
		Recording *dropped `json:"recording"`
	} `json:"quality"`
}

type dropped struct {
	Segments int   `json:"segments"`
	Raw      int   `json:"raw"`
	Bytes    int64 `json:"bytes"`
}

// spoolManifest is what these tests check of a manifest beyond manifest.
type spoolManifest struct {
	Dropped  *dropped `json:"dropped"`
	Segments []struct {
		Sequence      uint64 `json:"sequence"`
		Discontinuity bool   `json:"discontinuity"`
	} `json:"segments"`
	Quality *struct {
		Recording *dropped `json:"recording"`
	} `json:"quality"`
}

func (j spoolJob) dropped() dropped {
	if j.Outputs.Record == nil || j.Outputs.Record.Dropped == nil {
		return dropped{}
	}
	return *j.Outputs.Record.Dropped
}

func getSpoolJob(t *testing.T, s *Server, id string) spoolJob {
	t.Helper()
	var j spoolJob
	s.GetEgress(t, id, &j)
	return j
}

// spoolMetrics reads the spool's gauges and counters from /metrics.
func spoolMetrics(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, "roomcast_spool_") {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[strings.TrimPrefix(name, "roomcast_spool_")] = v
		}
	}
	return out
}

// startRawRecording starts a passthrough recording of room with raw
// tracks, in 2 s segments.
func startRawRecording(t *testing.T, s *Server, room string) spoolJob {
	t.Helper()
	body := map[string]any{"room": room, "outputs": map[string]any{"record": map[string]any{"segment_seconds": 2, "tracks": "raw"}}}
	var job spoolJob
	if code := s.Do(t, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		t.Fatalf("start recording: status %d %+v", code, job)
	}
	return job
}

// outageWatch follows the jobs while storage is down and checks the
// order in which the spool gives things up.
type outageWatch struct {
	low, evicted, segmentDrops  bool
	lowAt                       time.Duration
	maxSegmentsDroppedBeforeRaw int
}

// observe checks one snapshot: nothing is dropped while the spool has
// room (no eviction and no refusal counted), and no segment is dropped
// before a raw part was.
func (w *outageWatch) observe(t *testing.T, m map[string]float64, jobs []spoolJob, since time.Duration) {
	t.Helper()
	var sum dropped
	for _, j := range jobs {
		d := j.dropped()
		sum.Segments += d.Segments
		sum.Raw += d.Raw
	}
	if m["evicted_total"] == 0 && m["refused_total"] == 0 && sum.Segments+sum.Raw > 0 {
		t.Errorf("jobs report drops %+v while the spool evicted and refused nothing", sum)
	}
	if sum.Segments > 0 && !w.segmentDrops {
		w.segmentDrops = true
		if m["evicted_total"] == 0 {
			t.Errorf("a segment was dropped before any raw part was evicted: %+v", sum)
		}
		t.Logf("%v into the outage: first segment drop, %v raw parts evicted", since.Round(time.Second), m["evicted_total"])
	}
	if m["evicted_total"] > 0 && !w.evicted {
		w.evicted = true
		t.Logf("%v into the outage: first raw eviction, %.1f MiB held of %.1f", since.Round(time.Second), m["pending_bytes"]/(1<<20), m["limit_bytes"]/(1<<20))
	}
	if m["low"] == 1 && !w.low {
		w.low, w.lowAt = true, since
		t.Logf("%v into the outage: spool low, %.1f MiB held, %.0f s left at %.0f KiB/s", since.Round(time.Second),
			m["pending_bytes"]/(1<<20), m["seconds_left"], m["input_bytes_per_second"]/1024)
	}
}

// TestRecordS3OutageSpool stops MinIO while ten recordings with raw
// tracks run on a small spool (35 s here, 5 min with ROOMCAST_SOAK=1):
// nothing is dropped while the spool has room; once it is low a new
// recording waits with the reason and running ones report degraded with
// the time left; raw parts are evicted before any segment is dropped;
// every drop is counted. Once MinIO is back everything held is uploaded,
// the waiting job starts, and every manifest verifies.
func TestRecordS3OutageSpool(t *testing.T) {
	// The recordings put about 2.3 MB/s into the spool: 48 MiB is low
	// (8 s left) after about 13 s and full after about 21 s.
	outage, spoolBytes, hold := 35*time.Second, 48<<20, 8*time.Second
	if os.Getenv("ROOMCAST_SOAK") == "1" {
		outage, spoolBytes, hold = 5*time.Minute, 256<<20, 30*time.Second
	}
	b := minioBackend(t)
	env := append([]string{
		fmt.Sprintf("ROOMCAST_SPOOL_MAX_BYTES=%d", spoolBytes), "ROOMCAST_SPOOL_HOLD=" + hold.String(),
		"ROOMCAST_SPOOL_MAX_BACKOFF=1s", "ROOMCAST_RAW_PART_DURATION=4s", "ROOMCAST_LOG_LEVEL=info",
		// Ten recordings on one 2-core server: priced by what their spec
		// may need, they would wait for CPU; this test is about the spool.
		"ROOMCAST_WORKER_CAPACITY=10000",
	}, b.env...)
	s := harness.StartServerIn(t, binary, t.TempDir(), env...)
	rooms := []string{"r1", "r2"}
	for _, room := range rooms {
		s.CreateRoom(t, room)
		s.StartPublisherSize(t, room, "host", "h264", 640, 360, outage+3*time.Minute)
	}
	Eventually(t, 20*time.Second, "publisher tracks", func() bool {
		for _, room := range rooms {
			if info := s.RoomInfo(t, room); len(info.Participants) != 1 || len(info.Participants[0].Tracks) != 2 {
				return false
			}
		}
		return true
	})
	var jobs []spoolJob
	for i := range 10 {
		jobs = append(jobs, startRawRecording(t, s, rooms[i%2]))
	}
	refresh := func() {
		for i := range jobs {
			jobs[i] = getSpoolJob(t, s, jobs[i].ID)
		}
	}
	Eventually(t, 40*time.Second, "every recording's first segments", func() bool {
		refresh()
		for _, j := range jobs {
			if j.Status == "failed" {
				t.Fatalf("job failed: %+v", j)
			}
			if j.Outputs.Record == nil || j.Outputs.Record.Segments < 2 {
				return false
			}
		}
		return true
	})
	m := spoolMetrics(t, s)
	t.Logf("before the outage: %.0f KiB/s into the spool, limit %.1f MiB", m["input_bytes_per_second"]/1024, m["limit_bytes"]/(1<<20))
	if m["low"] != 0 || m["evicted_total"] != 0 || m["refused_total"] != 0 {
		t.Fatalf("the spool is low before the outage: %v", m)
	}

	b.minio.Stop()
	stopped := time.Now()
	var w outageWatch
	var waiting spoolJob
	for since := time.Duration(0); since < outage; since = time.Since(stopped) {
		m = spoolMetrics(t, s)
		refresh()
		w.observe(t, m, jobs, since)
		if w.low && waiting.ID == "" {
			waiting = startRawRecording(t, s, "r1")
			checkDegradedWithTimeLeft(t, jobs)
		}
		time.Sleep(500 * time.Millisecond) // the sampling period of the watch, not a synchronisation
	}
	if !w.low || !w.evicted || waiting.ID == "" {
		t.Fatalf("the outage never filled the spool: low %v, evicted %v (metrics %v)", w.low, w.evicted, m)
	}
	waiting = getSpoolJob(t, s, waiting.ID)
	if waiting.Status != "pending" || !strings.Contains(waiting.Reason, "cannot start a recording") || !strings.Contains(waiting.Reason, "spool") {
		t.Errorf("a job started on a low spool: status %s, reason %q", waiting.Status, waiting.Reason)
	}
	t.Logf("after %v: waiting job %q; spool %v", outage, waiting.Reason, m)

	b.minio.Start()
	restarted := time.Now()
	Eventually(t, 60*time.Second, "the waiting job to start once the spool drained", func() bool {
		waiting = getSpoolJob(t, s, waiting.ID)
		return waiting.Status == "active"
	})
	t.Logf("spool drained and the waiting job started %v after MinIO returned", time.Since(restarted).Round(time.Second))
	refresh()
	before := map[string]int{}
	for _, j := range jobs {
		before[j.ID] = j.Outputs.Record.Segments
	}
	Eventually(t, 30*time.Second, "recordings to go on", func() bool {
		refresh()
		for _, j := range jobs {
			if j.Outputs.Record.Segments < before[j.ID]+2 {
				return false
			}
		}
		return true
	})
	checkOutageManifests(t, s, append(jobs, waiting), spoolMetrics(t, s))
}

// checkDegradedWithTimeLeft: on a low spool every running recording
// says degraded, why, and how long the spool lasts.
func checkDegradedWithTimeLeft(t *testing.T, jobs []spoolJob) {
	t.Helper()
	for _, j := range jobs {
		r := j.Outputs.Record
		if r.State != "degraded" || r.Error == "" || r.SpoolSecondsLeft == nil {
			t.Errorf("job %s on a low spool: state %s, error %q, spool_seconds_left %v", j.ID, r.State, r.Error, r.SpoolSecondsLeft)
		}
	}
}

// checkOutageManifests stops the jobs and checks every recording: the
// objects it names are stored with their hashes, every gap in the
// segment sequence is a counted discontinuity, and the drops it counts
// match the job's quality report and the spool's counters.
func checkOutageManifests(t *testing.T, s *Server, jobs []spoolJob, metrics map[string]float64) {
	t.Helper()
	for _, j := range jobs {
		if code := s.Do(t, "DELETE", "/v1/egress/"+j.ID, nil, nil); code != http.StatusOK {
			t.Fatalf("stop %s: status %d", j.ID, code)
		}
	}
	var total dropped
	for _, j := range jobs {
		id := j.Outputs.Record.RecordingID
		m, sm, gaps := checkStoredRecording(t, s, id, 60*time.Second)
		d := dropped{}
		if sm.Dropped != nil {
			d = *sm.Dropped
		}
		if gaps != d.Segments {
			t.Errorf("%s: %d segments missing from the sequence, manifest counts %d dropped", id, gaps, d.Segments)
		}
		if q := sm.Quality; d != (dropped{}) && (q == nil || q.Recording == nil || *q.Recording != d) {
			t.Errorf("%s: manifest dropped %+v, its quality report says %+v", id, d, q)
		}
		total.Segments += d.Segments
		total.Raw += d.Raw
		total.Bytes += d.Bytes
		t.Logf("%s: %d segments, %d raw parts; dropped %+v", id, len(m.Segments), len(m.Raw), d)
	}
	if n := float64(total.Raw + total.Segments); n < metrics["evicted_total"] || n > metrics["evicted_total"]+metrics["refused_total"] {
		t.Errorf("manifests count %+v dropped; the spool evicted %v and refused %v", total, metrics["evicted_total"], metrics["refused_total"])
	}
	if total.Raw == 0 {
		t.Error("no raw part was dropped")
	}
}

// checkStoredRecording waits until recording id is complete, checks every
// object it names (hashes, raw parts included) and that its gaps are
// counted; it returns the manifest and how many segments are missing.
func checkStoredRecording(t *testing.T, s *Server, id string, within time.Duration) (manifest, spoolManifest, int) {
	t.Helper()
	m := waitStatus(t, s, id, "complete", within)
	var sm spoolManifest
	if err := json.Unmarshal(fetch(t, s, "/v1/recordings/"+id), &sm); err != nil {
		t.Fatal(err)
	}
	checkObjects(t, s, m)
	checkRawObjects(t, s, m)
	return m, sm, checkCountedGaps(t, id, sm)
}

// checkCountedGaps returns how many sequence numbers are missing, and
// fails on a gap not marked as a discontinuity.
func checkCountedGaps(t *testing.T, id string, m spoolManifest) int {
	t.Helper()
	missing := 0
	for i := 1; i < len(m.Segments); i++ {
		prev, cur := m.Segments[i-1], m.Segments[i]
		if cur.Sequence == prev.Sequence+1 {
			continue
		}
		if !cur.Discontinuity || cur.Sequence <= prev.Sequence {
			t.Errorf("%s: segment %d follows %d without a discontinuity", id, cur.Sequence, prev.Sequence)
		}
		missing += int(cur.Sequence - prev.Sequence - 1)
	}
	return missing
}

// checkRawObjects fetches every raw part the manifest names and compares
// its size and hash: an evicted part must not be named.
func checkRawObjects(t *testing.T, s *Server, m manifest) {
	t.Helper()
	for _, f := range m.Raw {
		b := fetch(t, s, "/v1/recordings/"+m.ID+"/files/"+f.Name)
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: sha256 %s (%d bytes), manifest says %s (%d bytes)", f.Name, got, len(b), f.SHA256, f.Size)
		}
	}
}

// TestRecordDiskFull puts the server's spool on a small tmpfs and fills
// it: the recording reports degraded with the reason, the process stays
// up, and once the filler is gone recording resumes after a counted gap.
func TestRecordDiskFull(t *testing.T) {
	data := t.TempDir()
	spoolDir := filepath.Join(data, "spool")
	mountTmpfs(t, spoolDir, "32m")
	b := localBackend()
	b.env = append(b.env, "ROOMCAST_SPOOL_HOLD=5s", "ROOMCAST_RAW_PART_DURATION=4s")
	s := recordRoom(t, b, data, 3*time.Minute)
	job := startRawRecording(t, s, "rec")
	id := job.Outputs.Record.RecordingID
	waitSegments(t, s, job.ID, 2, 30*time.Second)

	filler := fillDisk(t, spoolDir)
	var j spoolJob
	Eventually(t, 30*time.Second, "the job to report the full disk", func() bool {
		j = getSpoolJob(t, s, job.ID)
		r := j.Outputs.Record
		return r.State == "degraded" && j.dropped().Segments > 0 && strings.Contains(r.Error, "spool")
	})
	t.Logf("disk full: state %s, error %q, dropped %+v", j.Outputs.Record.State, j.Outputs.Record.Error, j.dropped())
	if code := s.Do(t, "GET", "/healthz", nil, nil); code != http.StatusOK {
		t.Fatalf("healthz on a full disk: %d", code)
	}
	metric := `roomcast_egress_record_dropped_total{egress="` + job.ID + `",kind="segment",tenant="default"} `
	if text := string(fetch(t, s, "/metrics")); !strings.Contains(text, metric) || strings.Contains(text, metric+"0\n") {
		t.Errorf("metrics do not count the dropped segments (%s)", metric)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	atDelete := j.Outputs.Record.Segments
	Eventually(t, 30*time.Second, "recording to resume", func() bool {
		j = getSpoolJob(t, s, job.ID)
		return j.Outputs.Record.Segments >= atDelete+2 && j.Outputs.Record.State == "live"
	})
	if code := s.Do(t, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: status %d", code)
	}
	_, sm, gaps := checkStoredRecording(t, s, id, 30*time.Second)
	if sm.Dropped == nil || sm.Dropped.Segments == 0 || gaps != sm.Dropped.Segments {
		t.Errorf("manifest dropped %+v, %d segments missing from the sequence", sm.Dropped, gaps)
	}
}

// mountTmpfs mounts a tmpfs of size on dir (the tests run as root) and
// unmounts it when the test ends, after the server stopped.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs on %s (the e2e tests need root): %v: %s", dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fillDisk writes a file that takes all the free space of dir's file
// system and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			break // ENOSPC: the disk is full
		}
	}
	return p
}
