package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
)

// The recording suite runs against a real MinIO and against the local
// backend. Its tests run in parallel with each other, after the tests
// that measure real-time delivery.

func TestRecordS3(t *testing.T) {
	t.Parallel()
	b := minioBackend(t)
	t.Run("30s", func(t *testing.T) { testRecord30s(t, b) })
	t.Run("outage", func(t *testing.T) { testRecordOutage(t, b) })
	t.Run("sigkill", func(t *testing.T) { testRecordKill(t, b) })
}

func TestRecordLocal(t *testing.T) {
	t.Parallel()
	b := localBackend()
	t.Run("30s", func(t *testing.T) { testRecord30s(t, b) })
	t.Run("sigkill", func(t *testing.T) { testRecordKill(t, b) })
	t.Run("raw", func(t *testing.T) { testRecordRaw(t, b) })
}

// testRecord30s records 30 s, then checks listing, manifest, hashes,
// playlist and download.
func testRecord30s(t *testing.T, b backend) {
	s := recordRoom(t, b, t.TempDir(), 2*time.Minute)
	job := startRecording(t, s)
	id := job.Outputs.Record.RecordingID
	waitSegments(t, s, job.ID, 1, 20*time.Second)
	start := time.Now()
	Eventually(t, 45*time.Second, "30 s recorded", func() bool {
		j := getRecordJob(t, s, job.ID)
		return time.Since(start) > 25*time.Second && j.Outputs.Record.Duration >= 28
	})
	checkRecordMetrics(t, s, job.ID)
	if code := s.Do(t, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: status %d", code)
	}
	stopped := time.Now()
	Eventually(t, 5*time.Second, "recording listed as complete", func() bool {
		var page struct {
			Recordings []struct{ ID, Status string } `json:"recordings"`
		}
		if s.Do(t, "GET", "/v1/recordings?room=rec", nil, &page) != http.StatusOK {
			return false
		}
		return len(page.Recordings) == 1 && page.Recordings[0].ID == id && page.Recordings[0].Status == "complete"
	})
	t.Logf("%s: listed complete %v after stop", b.name, time.Since(stopped).Round(time.Millisecond))
	m, _ := getManifest(t, s, id)
	if m.Tenant != "default" || m.Room != "rec" || m.Egress != job.ID || m.Video == nil || m.Video.Codec != "h264" {
		t.Errorf("manifest ids/codecs: %+v", m)
	}
	if len(m.Participants) == 0 || m.Participants[0].Name != "host" {
		t.Errorf("participants seen: %+v", m.Participants)
	}
	if m.Duration < 28 || m.Duration > 40 {
		t.Errorf("manifest duration %.2f s, want about 30", m.Duration)
	}
	checkContiguous(t, m)
	checkObjects(t, s, m)
	checkPlaylist(t, s, id)
	checkDownload(t, s, m)
	if b.minio != nil && strings.Contains(s.Output(), b.minio.SecretKey) {
		t.Error("the S3 secret appears in roomcast's output")
	}
}

// checkRecordMetrics reads /metrics while recording.
func checkRecordMetrics(t *testing.T, s *Server, job string) {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	text := string(b)
	for _, want := range []string{
		`roomcast_egress_record_segments_total{egress="` + job + `",tenant="default"}`,
		`roomcast_egress_record_degraded{egress="` + job + `",tenant="default"} 0`,
		`roomcast_egress_output_live{egress="` + job + `",output="record",tenant="default"} 1`,
		"roomcast_spool_uploaded_total", "roomcast_spool_pending_bytes",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// testRecordOutage stops MinIO for 20 s mid-recording: the record output
// is degraded meanwhile, and no segment is missing at the end.
func testRecordOutage(t *testing.T, b backend) {
	s := recordRoom(t, b, t.TempDir(), 2*time.Minute)
	job := startRecording(t, s)
	id := job.Outputs.Record.RecordingID
	waitSegments(t, s, job.ID, 2, 30*time.Second)
	b.minio.Stop()
	down := time.Now()
	var degraded recordJob
	Eventually(t, 15*time.Second, "record output degraded", func() bool {
		degraded = getRecordJob(t, s, job.ID)
		return degraded.Outputs.Record.State == "degraded"
	})
	if degraded.Outputs.Record.Error == "" {
		t.Error("degraded without a reason")
	}
	t.Logf("degraded %v after MinIO stopped: %s", time.Since(down).Round(time.Millisecond), degraded.Outputs.Record.Error)
	Eventually(t, 25*time.Second, "20 s of outage", func() bool { return time.Since(down) >= 20*time.Second })
	during := getRecordJob(t, s, job.ID).Outputs.Record
	b.minio.Start()
	waitSegments(t, s, job.ID, during.Segments+2, 30*time.Second)
	if code := s.Do(t, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: status %d", code)
	}
	m := waitStatus(t, s, id, "complete", 60*time.Second)
	if len(m.Segments) < during.Segments+2 {
		t.Errorf("%d segments stored, the job had closed %d", len(m.Segments), during.Segments+2)
	}
	if len(m.Discontinuities) != 0 {
		t.Errorf("discontinuities after an outage: %+v", m.Discontinuities)
	}
	checkContiguous(t, m)
	checkObjects(t, s, m)
	checkPlaylist(t, s, id)
	t.Logf("outage: %d segments (%d pending while down), %.1f s", len(m.Segments), during.PendingUploads, m.Duration)
}

// testRecordKill kills roomcast mid-recording and starts it again on the
// same data directory.
func testRecordKill(t *testing.T, b backend) {
	data := t.TempDir()
	s := recordRoom(t, b, data, 2*time.Minute)
	job := startRecording(t, s)
	id := job.Outputs.Record.RecordingID
	before := waitSegments(t, s, job.ID, 3, 30*time.Second).Outputs.Record.Segments
	s.Kill(t)
	s2 := harness.StartServerIn(t, binary, data, b.env...)
	m := waitStatus(t, s2, id, "interrupted", 60*time.Second)
	if len(m.Segments) < before {
		t.Errorf("%d segments stored, %d were closed before the kill", len(m.Segments), before)
	}
	Eventually(t, 10*time.Second, "spool drained", func() bool { return spoolEmpty(t, data) })
	checkContiguous(t, m)
	checkObjects(t, s2, m)
	checkPlaylist(t, s2, id)
	t.Logf("%s: %d segments closed before the kill, %d stored, %.1f s", b.name, before, len(m.Segments), m.Duration)
}

// testRecordRaw records an H.264 and a VP8 participant with raw tracks
// kept: each track's parts are stored, named in the manifest, and decode.
func testRecordRaw(t *testing.T, b backend) {
	s := recordRoom(t, b, t.TempDir(), 2*time.Minute)
	s.StartPublisher(t, "rec", "guest", "vp8", 2*time.Minute)
	Eventually(t, 20*time.Second, "second publisher", func() bool {
		return len(s.RoomInfo(t, "rec").Participants) == 2
	})
	body := map[string]any{
		"room":    "rec",
		"video":   map[string]int{"width": 640, "height": 360, "fps": 30, "bitrate_kbps": 800},
		"outputs": map[string]any{"record": map[string]any{"segment_seconds": 4, "tracks": "raw"}},
	}
	var job recordJob
	if code := s.Do(t, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		t.Fatalf("start recording: status %d %+v", code, job)
	}
	id := job.Outputs.Record.RecordingID
	waitSegments(t, s, job.ID, 2, 30*time.Second)
	if code := s.Do(t, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: status %d", code)
	}
	m := waitStatus(t, s, id, "complete", 30*time.Second)
	codecs := map[string]int{}
	for _, f := range m.Raw {
		codecs[f.Participant+"/"+f.Codec]++
		checkRawFile(t, s, m.ID, f)
	}
	for _, want := range []string{"host/h264", "host/opus", "guest/vp8", "guest/opus"} {
		if codecs[want] == 0 {
			t.Errorf("no raw %s file; manifest lists %v", want, codecs)
		}
	}
}

// checkRawFile fetches one raw part and decodes it.
func checkRawFile(t *testing.T, s *Server, id string, f rawInfo) {
	t.Helper()
	b := fetch(t, s, "/v1/recordings/"+id+"/files/"+f.Name)
	path := filepath.Join(t.TempDir(), filepath.Base(f.Name))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	if d := p.Duration.Seconds() - f.Duration; d < -0.2 || d > 0.2 {
		t.Errorf("%s: lasts %v, manifest says %.2f s", f.Name, p.Duration, f.Duration)
	}
	if out, err := harness.DecodeErrors(path); out != "" || err != nil {
		t.Errorf("%s: decode errors: %v %s", f.Name, err, out)
	}
}

// TestRecordBadStorage: wrong credentials or a missing bucket stop the
// start with a clear error that names the bucket and never the secret.
func TestRecordBadStorage(t *testing.T) {
	t.Parallel()
	b := minioBackend(t)
	cases := map[string][]string{
		"wrong secret":   {"AWS_SECRET_ACCESS_KEY=not-the-secret-1234"},
		"missing bucket": {"ROOMCAST_S3_CREATE_BUCKET=false", "ROOMCAST_S3_BUCKET=no-such-bucket"},
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			env := append(append(os.Environ(), b.env...), extra...)
			env = append(env, "ROOMCAST_API_KEY="+harness.TestKey)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, "serve", "--listen", "127.0.0.1:0", "--data", t.TempDir())
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err == nil || ctx.Err() != nil {
				t.Fatalf("serve did not fail (err %v, ctx %v):\n%s", err, ctx.Err(), out)
			}
			if !strings.Contains(string(out), "bucket") {
				t.Errorf("error does not name the bucket:\n%s", out)
			}
			if strings.Contains(string(out), "not-the-secret-1234") || strings.Contains(string(out), b.minio.SecretKey) {
				t.Errorf("output shows a secret:\n%s", out)
			}
		})
	}
}
