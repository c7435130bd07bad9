package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestSignedLinksSurviveRestart records to MinIO and plays the signed
// playlist link the API returns, without a key: after a restart on the
// same data directory (key from data/signing.key), and on a second node
// that shares ROOMCAST_SIGNING_KEY and the bucket; a node with another
// key answers 403.
func TestSignedLinksSurviveRestart(t *testing.T) {
	t.Parallel()
	b := minioBackend(t)
	data := t.TempDir()
	s := recordRoom(t, b, data, time.Minute)
	m := recordAndEnd(t, s, 2)
	link := playlistLink(t, s, m.ID)
	playLink(t, s.URL, link, m)
	keyFile := filepath.Join(data, "signing.key")
	st, err := os.Stat(keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("data/signing.key: %v, mode %v, want 0600", err, st.Mode().Perm())
	}
	s.Kill(t)
	restarted := harness.StartServerIn(t, binary, data, b.env...)
	playLink(t, restarted.URL, link, m)

	shared := "ROOMCAST_SIGNING_KEY=" + randomKey(t)
	nodeA := harness.StartServer(t, binary, append(b.env, shared)...)
	nodeB := harness.StartServer(t, binary, append(b.env, shared)...)
	linkA := playlistLink(t, nodeA, m.ID)
	playLink(t, nodeB.URL, linkA, m)
	other := harness.StartServer(t, binary, append(b.env, "ROOMCAST_SIGNING_KEY="+randomKey(t))...)
	for name, c := range map[string]struct{ base, link string }{
		"node A's link on a node with another key":     {other.URL, linkA},
		"the restarted node's link on node A":          {nodeA.URL, link},
		"node A's link on the node keyed by its data/": {restarted.URL, linkA},
	} {
		if code, _ := getNoKey(t, c.base+c.link); code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, code)
		}
	}
	fileKey, _ := os.ReadFile(keyFile)
	for _, srv := range []*Server{s, restarted, nodeA, nodeB, other} {
		if out := srv.Output(); strings.Contains(out, strings.TrimSpace(string(fileKey))) || strings.Contains(out, strings.TrimPrefix(shared, "ROOMCAST_SIGNING_KEY=")) {
			t.Errorf("a signing key appears in the output of %s", srv.URL)
		}
	}
}

// recordAndEnd records until n segments are closed, stops the job and
// waits for the complete manifest.
func recordAndEnd(t *testing.T, s *Server, n int) manifest {
	t.Helper()
	job := startRecording(t, s)
	waitSegments(t, s, job.ID, n, 40*time.Second)
	if code := s.Do(t, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop recording: status %d", code)
	}
	return waitStatus(t, s, job.Outputs.Record.RecordingID, "complete", 30*time.Second)
}

// playlistLink is the signed playlist_url of GET /v1/recordings/{id}.
func playlistLink(t *testing.T, s *Server, id string) string {
	t.Helper()
	var rec struct {
		PlaylistURL string `json:"playlist_url"`
	}
	if code := s.Do(t, "GET", "/v1/recordings/"+id, nil, &rec); code != http.StatusOK || !strings.HasPrefix(rec.PlaylistURL, "/v1/recordings/"+id+"/index.m3u8?") {
		t.Fatalf("recording %s: status %d, playlist_url %q", id, code, rec.PlaylistURL)
	}
	return rec.PlaylistURL
}

func randomKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// getNoKey GETs u as a player would: no Authorization header.
func getNoKey(t *testing.T, u string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, body
}

// playLink fetches the playlist at base+link and every init and segment
// it names, all without a key, and decodes them with ffmpeg from disk.
func playLink(t *testing.T, base, link string, m manifest) {
	t.Helper()
	code, pl := getNoKey(t, base+link)
	if code != http.StatusOK {
		t.Fatalf("signed playlist on %s: status %d: %.300s", base, code, pl)
	}
	dir := t.TempDir()
	var local []string
	segments := 0
	for _, line := range strings.Split(string(pl), "\n") {
		if uri, ok := strings.CutPrefix(line, `#EXT-X-MAP:URI="`); ok {
			line = `#EXT-X-MAP:URI="` + fetchTo(t, base, strings.TrimSuffix(uri, `"`), dir, len(local)) + `"`
		} else if line != "" && !strings.HasPrefix(line, "#") {
			line = fetchTo(t, base, line, dir, len(local))
			segments++
		}
		local = append(local, line)
	}
	if segments != len(m.Segments) || segments == 0 {
		t.Fatalf("playlist names %d segments, manifest %d:\n%s", segments, len(m.Segments), pl)
	}
	path := filepath.Join(dir, "index.m3u8")
	if err := os.WriteFile(path, []byte(strings.Join(local, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := harness.DecodeErrors(path); err != nil || out != "" {
		t.Fatalf("the files of %s do not decode: %v %s", base+link, err, out)
	}
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Duration(m.Duration * float64(time.Second)); (p.Duration - want).Abs() > 500*time.Millisecond {
		t.Errorf("played %v, manifest says %v", p.Duration, want)
	}
}

// fetchTo GETs uri (absolute, or a path on base) without a key into dir
// and returns the local file's name.
func fetchTo(t *testing.T, base, uri, dir string, n int) string {
	t.Helper()
	if strings.HasPrefix(uri, "/") {
		uri = base + uri
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("playlist URI %q: %v", uri, err)
	}
	code, body := getNoKey(t, uri)
	if code != http.StatusOK {
		t.Fatalf("GET %s without a key: status %d: %.200s", u.Redacted(), code, body)
	}
	name := fmt.Sprintf("%03d%s", n, filepath.Ext(u.Path))
	if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestSlowloris holds many slow connections from 127.0.0.2 against the
// binary with short limits: /healthz is still served to 127.0.0.1, the
// slow ones are closed after the read-header timeout, and those beyond
// the per-address cap are reset at once and counted.
func TestSlowloris(t *testing.T) {
	const header, perIP, attackers = 2 * time.Second, 16, 40
	s := StartServer(t, "ROOMCAST_SERVER_READ_HEADER_TIMEOUT="+header.String(),
		fmt.Sprintf("ROOMCAST_SERVER_MAX_CONNS_PER_IP=%d", perIP))
	addr := strings.TrimPrefix(s.URL, "http://")
	open := make(chan time.Duration, attackers)
	var wg sync.WaitGroup
	for range attackers {
		c, err := testutil.DialFrom("127.0.0.2", addr, 5*time.Second)
		if err != nil {
			open <- 0 // reset while connecting: over the cap
			continue
		}
		wg.Go(func() { open <- testutil.Slowloris(c, header+10*time.Second) })
	}
	var slowest time.Duration
	for i := range 5 {
		start := time.Now()
		code, _, err := testutil.GetFrom("127.0.0.1", s.URL+"/healthz", 5*time.Second)
		took := time.Since(start)
		if err != nil || code != http.StatusOK || took > time.Second {
			t.Errorf("/healthz %d during the attack: %d %v after %v", i, code, err, took)
		}
		slowest = max(slowest, took)
	}
	servedWhileOpen := len(open) <= attackers-perIP
	wg.Wait()
	close(open)
	var reset, timedOut []time.Duration
	for d := range open {
		if d < header/2 {
			reset = append(reset, d)
		} else {
			timedOut = append(timedOut, d)
		}
	}
	if !servedWhileOpen {
		t.Error("slow connections closed before /healthz was served: the check proves nothing")
	}
	if len(reset) != attackers-perIP || len(timedOut) != perIP {
		t.Errorf("%d connections reset at once, %d closed later; want %d and %d", len(reset), len(timedOut), attackers-perIP, perIP)
	}
	for _, d := range timedOut {
		if d < header-100*time.Millisecond || d > header+2*time.Second { // timed from just after the server's accept
			t.Errorf("slow connection closed after %v, want the read-header timeout %v (+2 s margin)", d, header)
		}
	}
	checkRefusedMetric(t, s, attackers-perIP)
	lo, hi := bounds(timedOut)
	_, slowestReset := bounds(reset)
	t.Logf("%d slow connections closed after %v..%v (timeout %v), %d reset at once (slowest %v), slowest /healthz %v",
		len(timedOut), lo, hi, header, len(reset), slowestReset, slowest)
}

func checkRefusedMetric(t *testing.T, s *Server, want int) {
	t.Helper()
	metrics := string(fetch(t, s, "/metrics"))
	line := fmt.Sprintf("roomcast_http_connections_refused_total %d", want)
	if !strings.Contains(metrics, line) {
		t.Errorf("metrics lack %q", line)
	}
	if !strings.Contains(s.Output(), "server.max_conns_per_ip") {
		t.Error("no log of the refused connections")
	}
}

// bounds is the shortest and the longest of ds (zeros if none).
func bounds(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	return slices.Min(ds), slices.Max(ds)
}
