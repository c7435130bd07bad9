package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// egressInfo is GET /v1/egress/{id}.
type egressInfo struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	Error     string     `json:"error"`
	StartedAt *time.Time `json:"started_at"`
	Outputs   struct {
		RTMP   []rtmpInfo `json:"rtmp"`
		Record *struct {
			RecordingID string `json:"recording_id"`
		} `json:"record"`
	} `json:"outputs"`
	Quality *qualityReport `json:"quality"`
}

// qualityReport is the part of a job's quality report the tests check.
type qualityReport struct {
	Output *struct {
		AudioUnits uint64 `json:"audio_units"`
		VideoUnits uint64 `json:"video_units"`
	} `json:"output"`
	Participants []struct {
		Name           string  `json:"name"`
		AVOffsetMeanMs float64 `json:"av_offset_mean_ms"`
		AVOffsetMaxMs  float64 `json:"av_offset_max_ms"`
		FramesShown    uint64  `json:"frames_shown"`
		DecodeErrors   uint64  `json:"decode_errors"`
	} `json:"participants"`
	Canvases []struct {
		Name          string  `json:"name"`
		FramesEncoded uint64  `json:"frames_encoded"`
		EncodeMsP50   float64 `json:"encode_ms_p50"`
		EncodeMsP99   float64 `json:"encode_ms_p99"`
	} `json:"canvases"`
}

type rtmpInfo struct {
	ID          string     `json:"id"`
	URL         string     `json:"url"`
	State       string     `json:"state"`
	Bytes       uint64     `json:"bytes"`
	Reconnects  int        `json:"reconnects"`
	Error       string     `json:"error"`
	DownSince   *time.Time `json:"down_since"`
	NextRetryAt *time.Time `json:"next_retry_at"`
}

// egressRoom starts a server trusting ng's certificate, a room and one
// publisher of codec, and waits until its tracks are in the room.
// env adds to the server's environment.
func egressRoom(t *testing.T, ng *nginxrtmp.Server, codec string, d time.Duration, env ...string) *Server {
	t.Helper()
	s := StartServer(t, append([]string{"ROOMCAST_RTMPS_CA_FILE=" + ng.CertFile()}, env...)...)
	s.CreateRoom(t, "live")
	s.StartPublisher(t, "live", "host", codec, d)
	Eventually(t, 20*time.Second, "publisher tracks", func() bool {
		info := s.RoomInfo(t, "live")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	return s
}

func startEgress(t *testing.T, s *Server, urls ...string) egressInfo {
	t.Helper()
	return postEgress(t, s, map[string]any{
		"room": "live", "layout": "speaker",
		"video":   map[string]int{"width": 640, "height": 360, "fps": 30, "bitrate_kbps": 1000},
		"outputs": map[string]any{"rtmp": urls},
	})
}

// postEgress starts a job from body and fails the test unless it is
// created.
func postEgress(t *testing.T, s *Server, body map[string]any) egressInfo {
	t.Helper()
	var job egressInfo
	if code := s.Do(t, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		t.Fatalf("start egress: status %d %+v", code, job)
	}
	return job
}

func getEgress(t *testing.T, s *Server, id string) egressInfo {
	t.Helper()
	var job egressInfo
	s.GetEgress(t, id, &job)
	return job
}

// waitStates polls until every output is in the wanted state.
func waitStates(t *testing.T, s *Server, id string, within time.Duration, want ...string) egressInfo {
	t.Helper()
	var job egressInfo
	defer func() {
		if t.Failed() {
			t.Logf("last job state: %+v", job)
		}
	}()
	Eventually(t, within, fmt.Sprintf("outputs %v", want), func() bool {
		job = getEgress(t, s, id)
		if job.Status != "active" || len(job.Outputs.RTMP) != len(want) {
			return false
		}
		for i, o := range job.Outputs.RTMP {
			if o.State != want[i] {
				return false
			}
		}
		return true
	})
	return job
}

// hold keeps a job running for d, checking it stays active.
func hold(t *testing.T, s *Server, id string, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	Eventually(t, d+5*time.Second, "job to run its course", func() bool {
		if job := getEgress(t, s, id); job.Status != "active" && job.Status != "starting" {
			t.Fatalf("job left active: %+v", job)
		}
		return time.Now().After(end)
	})
}

func stopEgress(t *testing.T, s *Server, id string) egressInfo {
	t.Helper()
	var job egressInfo
	if code := s.Do(t, "DELETE", "/v1/egress/"+id, nil, &job); code != http.StatusOK {
		t.Fatalf("stop egress: status %d", code)
	}
	if job.Status != "complete" {
		t.Errorf("stopped job status %q (error %q), want complete", job.Status, job.Error)
	}
	// The mix makes audio for every instant: an audio unit dropped is a
	// hole in every output's sound.
	if q := job.Quality; q != nil && q.Output != nil && q.Output.AudioUnits > 0 {
		t.Errorf("job %s dropped %d audio units as late (and %d video)", id, q.Output.AudioUnits, q.Output.VideoUnits)
	}
	return job
}

// checkRecording verifies one target's FLV: codecs, duration, clean
// decode, keyframe interval and onMetaData.
func checkRecording(t *testing.T, ng *nginxrtmp.Server, key string, want time.Duration) *harness.Probe {
	t.Helper()
	path, err := ng.WaitRecordDone(key, 20*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if dir := os.Getenv("ROOMCAST_E2E_KEEP"); dir != "" {
		_ = exec.Command("cp", path, filepath.Join(dir, t.Name()+"-"+key+".flv")).Run()
	}
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if c := p.Codecs(); c["video"] != "h264" || c["audio"] != "aac" {
		t.Errorf("%s: codecs %v, want h264 + aac", key, c)
	}
	// The stop ends each stream on a whole GOP (the drain runs to the next
	// keyframe), so a recording may run up to one keyframe interval past
	// the stop; it starts at most a second after the output went live.
	if hi := want + p.MaxKeyframeInterval() + 500*time.Millisecond; p.Duration < want-time.Second || p.Duration > hi {
		t.Errorf("%s: duration %v, want %v - 1s to %v (one keyframe interval, %v, more)", key, p.Duration, want, hi, p.MaxKeyframeInterval())
	}
	if out, err := harness.DecodeErrors(path); out != "" || err != nil {
		t.Errorf("%s: decode errors: %v %s", key, err, out)
	}
	if ki := p.MaxKeyframeInterval(); ki > 2100*time.Millisecond {
		t.Errorf("%s: keyframe interval %v, want <= 2.1s", key, ki)
	}
	if len(p.Video) == 0 || !p.Video[0].Key {
		t.Errorf("%s: recording does not start with a keyframe", key)
	}
	// The mix makes audio (silence at worst) for every instant of the
	// output: a hole is sound the job dropped.
	if g := harness.MaxGap(p.Audio); g > 100*time.Millisecond {
		t.Errorf("%s: an audio hole of %v", key, g)
	}
	t.Logf("%s: %v, %d video / %d audio packets, max keyframe interval %v, max gaps v %v a %v",
		key, p.Duration, len(p.Video), len(p.Audio), p.MaxKeyframeInterval(), harness.MaxGap(p.Video), harness.MaxGap(p.Audio))
	return p
}

// checkMetadata plays url and checks the onMetaData roomcast sent.
func checkMetadata(t *testing.T, url string) {
	t.Helper()
	tags, err := harness.ProbeTags(url)
	if err != nil {
		t.Fatal(err)
	}
	// ffmpeg's FLV demuxer turns the other onMetaData fields into stream
	// parameters; egress/rtmp's own tests check each field on the wire.
	if tags["encoder"] != "roomcast" {
		t.Errorf("onMetaData missing or incomplete: %v", tags)
	}
}

// checkMetrics reads /metrics: per-output bytes for every output, the
// job's encode time and the latency of its video's path (passthrough for
// H.264, transcode for VP8).
func checkMetrics(t *testing.T, s *Server, job string, passthrough bool) {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	text := string(b)
	if n := strings.Count(text, `roomcast_egress_output_bytes_total{egress="`+job+`"`); n != 3 {
		t.Errorf("metrics: %d output byte counters for %s, want 3", n, job)
	}
	if !strings.Contains(text, `roomcast_egress_encode_seconds_total{egress="`+job+`",tenant="default"}`) {
		t.Error("metrics: no encode time for the job")
	}
	if passthrough && strings.Contains(text, "roomcast_egress_rtmp_latency_seconds_count 0\n") {
		t.Error("metrics: no RTMP latency observed")
	}
	mode := "transcode" // one VP8 participant, decoded and encoded as H.264
	if passthrough {
		mode = "passthrough"
	}
	if !strings.Contains(text, `roomcast_egress_latency_seconds_count{mode="`+mode+`"}`) ||
		strings.Contains(text, `roomcast_egress_latency_seconds_count{mode="`+mode+`"} 0`+"\n") {
		t.Errorf("metrics: no %s latency observed", mode)
	}
	if strings.Contains(text, "key-") {
		t.Error("metrics leak a stream key")
	}
}

func testSimulcast(t *testing.T, codec string) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, ng, codec, 2*time.Minute)
	urls := []string{ng.RTMPURL("live", "key-one"), ng.RTMPURL("live", "key-two"), ng.RTMPSURL("live", "key-tls")}
	job := startEgress(t, s, urls...)
	job = waitStates(t, s, job.ID, 20*time.Second, "live", "live", "live")
	for _, o := range job.Outputs.RTMP {
		if strings.Contains(o.URL, "key-") {
			t.Errorf("stream key in API response: %s", o.URL)
		}
	}
	start := time.Now()
	// nginx-rtmp's recorder drops onMetaData, so read it from the live
	// stream played back through nginx ("meta copy" keeps ours).
	checkMetadata(t, ng.RTMPURL("live", "key-one"))
	hold(t, s, job.ID, 20*time.Second-time.Since(start))
	checkMetrics(t, s, job.ID, codec == "h264")
	elapsed := time.Since(start)
	stopEgress(t, s, job.ID)
	for _, key := range []string{"key-one", "key-two", "key-tls"} {
		checkRecording(t, ng, key, elapsed)
	}
	if strings.Contains(s.Output(), "key-") {
		t.Error("a stream key appears in the server log")
	}
}

// TestEgressSimulcastH264 passes H.264 through to two RTMP targets and
// one RTMPS target.
func TestEgressSimulcastH264(t *testing.T) { testSimulcast(t, "h264") }

// TestEgressSimulcastVP8 transcodes VP8 to H.264 for the same targets.
func TestEgressSimulcastVP8(t *testing.T) { testSimulcast(t, "vp8") }

// TestEgressTargetKilled: one target's nginx dies mid-stream and comes
// back; the other target's recording goes on without a gap.
func TestEgressTargetKilled(t *testing.T) {
	steady := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	flaky := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, steady, "h264", 2*time.Minute)
	job := startEgress(t, s, steady.RTMPURL("live", "steady"), flaky.RTMPURL("live", "flaky"))
	waitStates(t, s, job.ID, 20*time.Second, "live", "live")
	start := time.Now()
	hold(t, s, job.ID, 5*time.Second)
	flaky.Kill()
	waitStates(t, s, job.ID, 15*time.Second, "live", "reconnecting")
	hold(t, s, job.ID, 2*time.Second)
	flaky.Start()
	restarted := time.Now()
	job = waitStates(t, s, job.ID, 10*time.Second, "live", "live")
	if d := time.Since(restarted); d > 3*time.Second {
		t.Errorf("reconnected %v after the target came back, want <= 3s", d)
	}
	if job.Outputs.RTMP[1].Reconnects < 1 {
		t.Errorf("reconnects = %d", job.Outputs.RTMP[1].Reconnects)
	}
	hold(t, s, job.ID, 5*time.Second)
	stopEgress(t, s, job.ID)
	p := checkRecording(t, steady, "steady", time.Since(start))
	if g := harness.MaxGap(p.Video); g > 100*time.Millisecond {
		t.Errorf("steady target: video gap %v > 100ms", g)
	}
	if g := harness.MaxGap(p.Audio); g > 100*time.Millisecond {
		t.Errorf("steady target: audio gap %v > 100ms", g)
	}
	if want := int(p.Duration.Seconds()*30) - 2; len(p.Video) < want {
		t.Errorf("steady target: %d video frames in %v, want >= %d; gaps %v", len(p.Video), p.Duration, want, harness.Gaps(p.Video, 40*time.Millisecond))
	}
}

// TestEgressRejectedKey: a target whose on_publish refuses the key ends
// failed with the server's reason; the other target goes on.
func TestEgressRejectedKey(t *testing.T) {
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("name") == "bad-key" {
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	defer auth.Close()
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy", OnPublish: auth.URL + "/on_publish"})
	s := egressRoom(t, ng, "h264", 2*time.Minute)
	job := startEgress(t, s, ng.RTMPURL("live", "good-key"), ng.RTMPURL("live", "bad-key"))
	start := time.Now()
	job = waitStates(t, s, job.ID, 15*time.Second, "live", "failed")
	t.Logf("rejected target failed after %v: %q", time.Since(start), job.Outputs.RTMP[1].Error)
	if e := job.Outputs.RTMP[1].Error; e == "" || strings.Contains(e, "bad-key") {
		t.Errorf("failed output error %q: want the server's reason without the key", e)
	}
	hold(t, s, job.ID, 3*time.Second)
	stopEgress(t, s, job.ID)
}

// TestEgressAddRemoveLive: a target added while live starts at a keyframe
// and decodes; a removed target is closed cleanly.
func TestEgressAddRemoveLive(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, ng, "h264", 2*time.Minute)
	job := startEgress(t, s, ng.RTMPURL("live", "first"))
	waitStates(t, s, job.ID, 20*time.Second, "live")
	hold(t, s, job.ID, 3*time.Second)
	if code := s.Do(t, "PATCH", "/v1/egress/"+job.ID, map[string]any{"add_rtmp": []string{ng.RTMPURL("live", "added")}}, &job); code != http.StatusOK {
		t.Fatalf("patch add: %d", code)
	}
	job = waitStates(t, s, job.ID, 15*time.Second, "live", "live")
	added := job.Outputs.RTMP[1].ID
	hold(t, s, job.ID, 6*time.Second)
	if code := s.Do(t, "PATCH", "/v1/egress/"+job.ID, map[string]any{"remove_rtmp": []string{added}}, &job); code != http.StatusOK {
		t.Fatalf("patch remove: %d", code)
	}
	if len(job.Outputs.RTMP) != 1 {
		t.Errorf("outputs after remove: %+v", job.Outputs.RTMP)
	}
	checkRecording(t, ng, "added", 6*time.Second)
	stopEgress(t, s, job.ID)
}

// TestEgressBadRequests: 400 naming the field.
func TestEgressBadRequests(t *testing.T) {
	s := StartServer(t)
	s.CreateRoom(t, "live")
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"room": "nope", "outputs": map[string]any{"rtmp": []string{"rtmp://127.0.0.1/live/k"}}}, "room"},
		{map[string]any{"room": "live", "outputs": map[string]any{"rtmp": []string{"http://127.0.0.1/live/k"}}}, "outputs.rtmp[0]"},
		{map[string]any{"room": "live", "outputs": map[string]any{"rtmp": []string{}}}, "outputs"},
		{map[string]any{"room": "live", "video": map[string]int{"width": 3840, "height": 2160}, "outputs": map[string]any{"rtmp": []string{"rtmp://127.0.0.1/live/k"}}}, "video.width"},
		{map[string]any{"room": "live", "video": map[string]int{"fps": 120}, "outputs": map[string]any{"rtmp": []string{"rtmp://127.0.0.1/live/k"}}}, "video.fps"},
		{map[string]any{"room": "live", "layout": "single", "participant": "ghost", "outputs": map[string]any{"rtmp": []string{"rtmp://127.0.0.1/live/k"}}}, "participant"},
		{map[string]any{"room": "live", "outputs": map[string]any{"rtmp": []any{map[string]any{"url": "rtmp://127.0.0.1/live/k", "max_retry_seconds": -1}}}}, "outputs.rtmp[0].max_retry_seconds"},
	}
	for _, tc := range cases {
		var e APIError
		code := s.Do(t, "POST", "/v1/egress", tc.body, &e)
		if code != http.StatusBadRequest || e.Error.Field != tc.field || !strings.HasPrefix(e.Error.Message, tc.field) {
			t.Errorf("%v: %d %q, want 400 naming %s", tc.body, code, e.Error.Message, tc.field)
		}
	}
	var e APIError
	add := map[string]any{"add_rtmp": []any{map[string]any{"url": "rtmp://127.0.0.1/live/k", "max_retry_seconds": 1e6}}}
	if code := s.Do(t, "PATCH", "/v1/egress/EG_none", add, &e); code != http.StatusBadRequest || e.Error.Field != "add_rtmp[0].max_retry_seconds" {
		t.Errorf("PATCH add_rtmp with max_retry_seconds 1e6: %d %q, want 400 naming add_rtmp[0].max_retry_seconds", code, e.Error.Message)
	}
}

// TestEgressSilentTarget: a target that accepts TCP but never answers the
// handshake times out into reconnecting; the other target is untouched.
func TestEgressSilentTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accept, never answer
		}
	}()
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, ng, "h264", 2*time.Minute)
	job := startEgress(t, s, ng.RTMPURL("live", "good"), "rtmp://"+ln.Addr().String()+"/live/silent")
	start := time.Now()
	job = waitStates(t, s, job.ID, 15*time.Second, "live", "reconnecting")
	t.Logf("silent target reconnecting after %v: %q", time.Since(start), job.Outputs.RTMP[1].Error)
	if !strings.Contains(job.Outputs.RTMP[1].Error, "handshake") {
		t.Errorf("silent target error %q, want a handshake timeout", job.Outputs.RTMP[1].Error)
	}
	hold(t, s, job.ID, 3*time.Second)
	elapsed := time.Since(start)
	stopEgress(t, s, job.ID)
	p := checkRecording(t, ng, "good", elapsed)
	if g := harness.MaxGap(p.Video); g > 100*time.Millisecond {
		t.Errorf("good target: video gap %v", g)
	}
}

// TestEgressSingleLayout: layout "single" shows the named participant's
// video (passed through untouched when it is H.264) while another
// participant publishes too.
func TestEgressSingleLayout(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, ng, "vp8", 2*time.Minute) // "host", VP8
	s.StartPublisher(t, "live", "bob", "h264", 2*time.Minute)
	Eventually(t, 20*time.Second, "bob's tracks", func() bool {
		n := 0
		for _, p := range s.RoomInfo(t, "live").Participants {
			n += len(p.Tracks)
		}
		return n == 4
	})
	var job egressInfo
	body := map[string]any{
		"room": "live", "layout": "single", "participant": "bob",
		"video":   map[string]int{"width": 640, "height": 360, "fps": 30, "bitrate_kbps": 1000},
		"outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", "single")}},
	}
	if code := s.Do(t, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		t.Fatalf("start egress: status %d", code)
	}
	waitStates(t, s, job.ID, 20*time.Second, "live")
	start := time.Now()
	hold(t, s, job.ID, 8*time.Second)
	elapsed := time.Since(start)
	stopEgress(t, s, job.ID)
	p := checkRecording(t, ng, "single", elapsed)
	// bob publishes 320x240 H.264: passed through, it keeps its size
	// rather than the 640x360 a re-encode would have.
	for _, st := range p.Streams {
		if st.CodecType == "video" && (st.Width != 320 || st.Height != 240) {
			t.Errorf("video %dx%d, want bob's 320x240 passed through", st.Width, st.Height)
		}
	}
}

// longGOPClip makes a 20 s H.264 + Opus clip with one keyframe, at its
// start: published with --keyframe-now, a camera that sends keyframes
// only when asked, as a browser's does.
func longGOPClip(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "long-gop.mkv")
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "20", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-b:v", "600k",
		"-bf", "0", "-g", "600", "-keyint_min", "600", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-c:a", "libopus", "-b:a", "64k", "-f", "matroska", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make the long-GOP clip: %v\n%s", err, out)
	}
	return path
}

// TestEgressNewOutputAsksKeyframe: a target added to a job that passes a
// camera through gets a keyframe at once, not at the camera's next one:
// the job asks the publisher (a PLI) when an output starts waiting for a
// keyframe. The camera's own keyframes are 20 s apart.
func TestEgressNewOutputAsksKeyframe(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := StartServer(t)
	s.CreateRoom(t, "live")
	s.StartPublisherArgs(t, "live", "host", "--file", longGOPClip(t), "--keyframe-now", "--duration", "2m")
	waitTracks(t, s, "live", 2)
	job := postEgress(t, s, map[string]any{
		"room": "live", "layout": "speaker", "video": map[string]int{"width": 640, "height": 360, "fps": 30},
		"outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", "first")}},
	})
	waitStates(t, s, job.ID, 20*time.Second, "live")
	hold(t, s, job.ID, 2*time.Second)
	if code := s.Do(t, "PATCH", "/v1/egress/"+job.ID, map[string]any{"add_rtmp": []string{ng.RTMPURL("live", "added")}}, &job); code != http.StatusOK {
		t.Fatalf("patch add: %d", code)
	}
	job = waitStates(t, s, job.ID, 15*time.Second, "live", "live")
	start := time.Now()
	hold(t, s, job.ID, 5*time.Second)
	held := time.Since(start)
	stopEgress(t, s, job.ID)
	for _, key := range []string{"first", "added"} {
		path, err := ng.WaitRecordDone(key, 20*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		p, err := harness.ProbeFile(path)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		t.Logf("%s: %v, %d video / %d audio packets", key, p.Duration, len(p.Video), len(p.Audio))
		if len(p.Video) == 0 || !p.Video[0].Key {
			t.Fatalf("%s: %d video packets, not starting with a keyframe", key, len(p.Video))
		}
		if out, err := harness.DecodeErrors(path); out != "" || err != nil {
			t.Errorf("%s: decode errors: %v %s", key, err, out)
		}
	}
	path, _ := ng.WaitRecordDone("added", time.Second)
	p, _ := harness.ProbeFile(path)
	if d := time.Duration(len(p.Video)) * time.Second / 30; d < held-time.Second {
		t.Errorf("added target: %v of video in the %v it was live, want all but a second: its keyframe waited for the camera's", d, held)
	}
}
