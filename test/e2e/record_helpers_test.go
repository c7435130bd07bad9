package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/storetest"
	"github.com/roomcast/roomcast/test/harness"
)

// recordJob is GET /v1/egress/{id} with its record output.
type recordJob = harness.RecordJob

// manifest is the part of manifest.json the tests check.
type manifest struct {
	ID           string  `json:"id"`
	Tenant       string  `json:"tenant"`
	Room         string  `json:"room"`
	Egress       string  `json:"egress_id"`
	Status       string  `json:"status"`
	Duration     float64 `json:"duration_seconds"`
	Participants []struct {
		Name string `json:"name"`
	} `json:"participants"`
	Video *struct {
		Codec         string `json:"codec"`
		Width, Height int
	} `json:"video"`
	Inits    []fileInfo `json:"inits"`
	Segments []struct {
		fileInfo
		Sequence uint64    `json:"sequence"`
		Duration float64   `json:"duration_seconds"`
		Wall     time.Time `json:"wall"`
		Fill     bool      `json:"fill"`
	} `json:"segments"`
	Raw             []rawInfo `json:"raw"`
	Discontinuities []struct {
		Sequence uint64 `json:"sequence"`
		Reason   string `json:"reason"`
	} `json:"discontinuities"`
	Quality *qualityReport `json:"quality"`
}

type rawInfo struct {
	fileInfo
	Participant string  `json:"participant"`
	Codec       string  `json:"codec"`
	Duration    float64 `json:"duration_seconds"`
}

type fileInfo struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// backend is one storage backend the recording suite runs against.
type backend struct {
	name  string
	env   []string
	minio *storetest.MinIO // nil for local
}

func localBackend() backend {
	return backend{name: "local", env: []string{"ROOMCAST_STORAGE_BACKEND=local"}}
}

func minioBackend(t *testing.T) backend {
	m := storetest.StartMinIO(t)
	return backend{name: "s3", minio: m, env: []string{
		"ROOMCAST_STORAGE_BACKEND=s3", "ROOMCAST_S3_ENDPOINT=" + m.Endpoint, "ROOMCAST_S3_BUCKET=recordings",
		"ROOMCAST_S3_REGION=" + m.Region, "ROOMCAST_S3_PATH_STYLE=true", "ROOMCAST_S3_CREATE_BUCKET=true",
		"AWS_ACCESS_KEY_ID=" + m.AccessKey, "AWS_SECRET_ACCESS_KEY=" + m.SecretKey,
	}}
}

// recordRoom starts a server (in data), a room and an H.264 publisher.
func recordRoom(t *testing.T, b backend, data string, d time.Duration) *Server {
	t.Helper()
	s := harness.StartServerIn(t, binary, data, b.env...)
	s.CreateRoom(t, "rec")
	s.StartPublisher(t, "rec", "host", "h264", d)
	Eventually(t, 20*time.Second, "publisher tracks", func() bool {
		info := s.RoomInfo(t, "rec")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	return s
}

func startRecording(t *testing.T, s *Server) recordJob {
	t.Helper()
	return s.StartRecording(t, "rec")
}

func getRecordJob(t *testing.T, s *Server, id string) recordJob {
	t.Helper()
	var job recordJob
	s.GetEgress(t, id, &job)
	return job
}

// waitSegments waits until the job has closed at least n segments.
func waitSegments(t *testing.T, s *Server, id string, n int, within time.Duration) recordJob {
	t.Helper()
	var job recordJob
	Eventually(t, within, fmt.Sprintf("%d segments", n), func() bool {
		job = getRecordJob(t, s, id)
		if job.Status == "failed" {
			t.Fatalf("job failed: %+v", job)
		}
		return job.Outputs.Record != nil && job.Outputs.Record.Segments >= n
	})
	return job
}

func getManifest(t *testing.T, s *Server, id string) (manifest, int) {
	t.Helper()
	var m manifest
	code := s.Do(t, "GET", "/v1/recordings/"+id, nil, &m)
	return m, code
}

// waitStatus waits until the recording's manifest has status.
func waitStatus(t *testing.T, s *Server, id, status string, within time.Duration) manifest {
	t.Helper()
	var m manifest
	Eventually(t, within, "recording "+status, func() bool {
		var code int
		m, code = getManifest(t, s, id)
		return code == http.StatusOK && m.Status == status
	})
	return m
}

// fetch GETs a path of the server with its key and returns the body.
func fetch(t *testing.T, s *Server, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v: %.300s", path, resp.StatusCode, err, b)
	}
	return b
}

// checkObjects fetches every init and segment and compares its SHA-256
// and size with the manifest's.
func checkObjects(t *testing.T, s *Server, m manifest) {
	t.Helper()
	files := append([]fileInfo(nil), m.Inits...)
	for _, sg := range m.Segments {
		files = append(files, sg.fileInfo)
	}
	for _, r := range m.Raw {
		files = append(files, r.fileInfo)
	}
	listed := map[string]bool{}
	for _, f := range files {
		if listed[f.Name] {
			t.Errorf("%s is listed twice", f.Name)
		}
		listed[f.Name] = true
	}
	for _, f := range files {
		b := fetch(t, s, "/v1/recordings/"+m.ID+"/files/"+f.Name)
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: sha256 %s (%d bytes), manifest says %s (%d bytes)", f.Name, got, len(b), f.SHA256, f.Size)
		}
	}
}

// checkContiguous checks the segment sequence has no hole.
func checkContiguous(t *testing.T, m manifest) {
	t.Helper()
	for i := 1; i < len(m.Segments); i++ {
		if m.Segments[i].Sequence != m.Segments[i-1].Sequence+1 {
			t.Errorf("segment %d follows %d: one is missing", m.Segments[i].Sequence, m.Segments[i-1].Sequence)
		}
	}
}

// checkPlaylist plays index.m3u8 with ffmpeg, fetching the segments by the
// URLs in it without any key, and returns the decoded duration.
func checkPlaylist(t *testing.T, s *Server, id string) {
	t.Helper()
	pl := string(fetch(t, s, "/v1/recordings/"+id+"/index.m3u8"))
	if !strings.Contains(pl, "#EXT-X-ENDLIST") {
		t.Errorf("ended recording's playlist has no EXT-X-ENDLIST:\n%s", pl)
	}
	var lines []string
	for _, l := range strings.Split(pl, "\n") {
		if strings.HasPrefix(l, "/") {
			l = s.URL + l
		}
		l = strings.ReplaceAll(l, `URI="/`, `URI="`+s.URL+"/")
		lines = append(lines, l)
	}
	path := filepath.Join(t.TempDir(), "index.m3u8")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := harness.DecodeErrors(path, "-protocol_whitelist", "file,http,https,tcp,tls,crypto")
	if err != nil || len(out) > 0 {
		t.Errorf("index.m3u8 does not decode cleanly: %v\n%q\nplaylist:\n%s", err, out, pl)
	}
}

// checkDownload downloads the MP4 and compares it with the manifest.
func checkDownload(t *testing.T, s *Server, m manifest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), m.ID+".mp4")
	if err := os.WriteFile(path, fetch(t, s, "/v1/recordings/"+m.ID+"/download"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Duration(m.Duration * float64(time.Second))
	if d := (p.Duration - want).Abs(); d > 500*time.Millisecond {
		t.Errorf("download lasts %v, manifest says %v", p.Duration, want)
	}
	if c := p.Codecs(); c["video"] != "h264" || c["audio"] != "aac" {
		t.Errorf("download codecs %v, want h264 + aac", c)
	}
	if out, err := harness.DecodeErrors(path); out != "" || err != nil {
		t.Errorf("download decode errors: %v %s", err, out)
	}
	if dir := os.Getenv("ROOMCAST_E2E_KEEP"); dir != "" {
		_ = exec.Command("cp", path, filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")+".mp4")).Run()
	}
	t.Logf("download: %v (manifest %v), %d segments", p.Duration, want, len(m.Segments))
}

// spoolEmpty reports whether the data directory's spool has no entries.
func spoolEmpty(t *testing.T, data string) bool {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(data, "spool"))
	if err != nil {
		t.Fatalf("spool: %v", err)
	}
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".data") {
			return false
		}
	}
	return true
}
