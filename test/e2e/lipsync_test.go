package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// syncWindow is how long the lip-sync test runs: a minute in make test,
// ten in make soak (ROOMCAST_SOAK=1).
var syncWindow = func() time.Duration {
	if os.Getenv("ROOMCAST_SOAK") != "" {
		return 10*time.Minute + 2*time.Second
	}
	return 62 * time.Second
}()

// flashClip makes a 10 s WebM (VP8 + Opus): a white flash with a 1 kHz
// beep at the start of every second, both 100 ms long, black and silent
// otherwise.
func flashClip(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flash.webm")
	cmd := exec.Command("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", `color=c=black:s=320x240:r=30:d=10,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t\,1)\,0.1)'`,
		"-f", "lavfi", "-i", `aevalsrc='if(lt(mod(t\,1)\,0.1)\,0.8*sin(2*PI*1000*t)\,0)':s=48000:d=10`,
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", "30", "-auto-alt-ref", "0",
		"-c:a", "libopus", "-b:a", "64k", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make the flash clip: %v\n%s", err, out)
	}
	return path
}

// TestCompositeLipSync: a participant publishes a file (flash + beep once
// a second) into a grid of four; over a minute, in the RTMP target and in
// the recording, every flash is within ±40 ms of its beep.
func TestCompositeLipSync(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := StartServer(t, "ROOMCAST_RTMPS_CA_FILE="+ng.CertFile())
	s.CreateRoom(t, "sync")
	d := syncWindow + time.Minute
	s.StartPublisherArgs(t, "sync", "flash", "--file", flashClip(t), "--duration", d.String())
	for i, codec := range []string{"h264", "vp8", "h264"} {
		s.StartPublisherSize(t, "sync", []string{"p2", "p3", "p4"}[i], codec, 320, 240, d)
	}
	waitTracks(t, s, "sync", 8)
	var job egressInfo
	body := map[string]any{
		"room": "sync", "layout": "grid",
		"audio":   map[string]any{"exclude": []string{"p2", "p3", "p4"}}, // only the beeps in the mix
		"video":   map[string]any{"width": 1280, "height": 720, "fps": 30, "bitrate_kbps": 2000},
		"outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", "sync")}, "record": map[string]any{"segment_seconds": 4}},
	}
	job = postEgress(t, s, body)
	waitStates(t, s, job.ID, 20*time.Second, "live")
	hold(t, s, job.ID, syncWindow)
	final := stopEgress(t, s, job.ID)

	checkSync(t, recordedFLV(t, ng, "sync"), "rtmp")
	m, mp4 := downloadRecording(t, s, final.Outputs.Record.RecordingID)
	checkSync(t, mp4, "recording")
	checkQuality(t, final.Quality, "job")
	checkQuality(t, m.Quality, "manifest")
}

// checkQuality checks a quality report of the lip-sync job: the flash
// participant's measured A/V offset is within ±40 ms, every participant's
// frames reached the canvas without decode errors, and the canvas reports
// its encoder's speed.
func checkQuality(t *testing.T, q *qualityReport, what string) {
	t.Helper()
	if q == nil || len(q.Participants) != 4 || len(q.Canvases) != 1 {
		t.Fatalf("%s quality report %+v: want 4 participants and 1 canvas", what, q)
	}
	for _, p := range q.Participants {
		if p.FramesShown < 30*uint64(syncWindow.Seconds()/2) || p.DecodeErrors != 0 {
			t.Errorf("%s quality: %s showed %d frames with %d decode errors", what, p.Name, p.FramesShown, p.DecodeErrors)
		}
		if p.Name == "flash" {
			if p.AVOffsetMeanMs < -40 || p.AVOffsetMeanMs > 40 || p.AVOffsetMaxMs > 80 {
				t.Errorf("%s quality: flash's A/V offset mean %.1f ms, max %.1f ms: want the mean within ±40 ms", what, p.AVOffsetMeanMs, p.AVOffsetMaxMs)
			}
			t.Logf("%s quality: flash A/V offset mean %.1f ms, max %.1f ms", what, p.AVOffsetMeanMs, p.AVOffsetMaxMs)
		}
	}
	c := q.Canvases[0]
	if c.FramesEncoded < 30*uint64(syncWindow.Seconds()-2) || c.EncodeMsP50 <= 0 || c.EncodeMsP99 < c.EncodeMsP50 {
		t.Errorf("%s quality: canvas %+v", what, c)
	}
	t.Logf("%s quality: %d frames encoded, %.2f ms p50, %.2f ms p99 per frame", what, c.FramesEncoded, c.EncodeMsP50, c.EncodeMsP99)
}

func checkSync(t *testing.T, path, what string) {
	t.Helper()
	r, err := harness.AVSync(path, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("ROOMCAST_E2E_KEEP"); dir != "" {
		_ = exec.Command("cp", path, filepath.Join(dir, t.Name()+"-"+what+filepath.Ext(path))).Run()
	}
	if min := int(syncWindow.Seconds()) - 6; len(r.Flashes) < min {
		t.Fatalf("%s: %d flashes found (beeps %d), want at least %d", what, len(r.Flashes), len(r.Beeps), min)
	}
	bad := 0
	for i, o := range r.Offsets {
		if o.Abs() > 40*time.Millisecond {
			bad++
			if bad <= 5 {
				t.Errorf("%s: the flash at %v has its beep %v away: want within ±40 ms", what, r.Flashes[i], o)
			}
		}
	}
	// No drift: the first and last ten flashes are as much in sync.
	first, last := harness.SyncReport{Offsets: r.Offsets[:10]}, harness.SyncReport{Offsets: r.Offsets[len(r.Offsets)-10:]}
	if drift := last.Mean() - first.Mean(); drift.Abs() > 10*time.Millisecond {
		t.Errorf("%s: the offset drifts by %v from the first ten flashes to the last ten: want none", what, drift)
	}
	t.Logf("%s: %d flashes, beep − flash mean %v, worst %v, %d over ±40 ms; first ten %v, last ten %v",
		what, len(r.Flashes), r.Mean(), r.Worst(), bad, first.Mean(), last.Mean())
}
