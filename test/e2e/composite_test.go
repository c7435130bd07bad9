package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// compositeSizes are the publishers' camera sizes: landscape, portrait
// and 4:3, so tiles letterbox and pillarbox.
var compositeSizes = [][2]int{{320, 240}, {640, 360}, {480, 270}, {360, 640}, {256, 144}}

// compositeRoom starts a server with a room "grid" and n synthetic
// publishers, alternately VP8 and H.264 of different sizes, and waits for
// all their tracks.
func compositeRoom(t *testing.T, ng *nginxrtmp.Server, n int, d time.Duration) (*Server, []*harness.Publisher) {
	t.Helper()
	s := StartServer(t, "ROOMCAST_RTMPS_CA_FILE="+ng.CertFile())
	s.CreateRoom(t, "grid")
	var pubs []*harness.Publisher
	for i := range n {
		codec := []string{"vp8", "h264"}[i%2]
		size := compositeSizes[(i/2)%len(compositeSizes)]
		pubs = append(pubs, s.StartPublisherSize(t, "grid", fmt.Sprintf("p%02d", i+1), codec, size[0], size[1], d))
	}
	waitTracks(t, s, "grid", 2*n)
	return s, pubs
}

// waitTracks waits until the room holds n tracks.
func waitTracks(t *testing.T, s *Server, room string, n int) {
	t.Helper()
	Eventually(t, 30*time.Second, fmt.Sprintf("%d tracks in %s", n, room), func() bool {
		c := 0
		for _, p := range s.RoomInfo(t, room).Participants {
			c += len(p.Tracks)
		}
		return c == n
	})
}

// gridTiles is where the grid layout puts n participants on w×h.
func gridTiles(n, w, h int) []tile.Rect {
	s := tile.Scene{Width: w, Height: h}
	for i := range n {
		s.Participants = append(s.Participants, tile.Participant{ID: strconv.Itoa(i), Camera: true})
	}
	var rs []tile.Rect
	for _, tl := range tile.Grid(tile.GridOptions{}).Tiles(s) {
		rs = append(rs, tl.Rect)
	}
	return rs
}

// checkTiles checks that every tile of a picture shows something (its
// centre is not the black canvas) and that the canvas outside the tiles
// stays black: the tile count and places are the layout's.
func checkTiles(t *testing.T, l *harness.Luma, rects []tile.Rect, what string) {
	t.Helper()
	for i, r := range rects {
		if m := l.Centre(r.X, r.Y, r.W, r.H); m < 30 {
			t.Errorf("%s: tile %d at %+v is black (mean luma %.0f)", what, i, r, m)
		}
	}
	// The free cells of an incomplete last row are the background.
	last := rects[len(rects)-1]
	if free := l.W - (last.X + last.W); free >= 32 {
		if m := l.Mean(last.X+last.W+8, last.Y+8, free-16, last.H-16); m > 24 {
			t.Errorf("%s: the free space right of the last tile is not background (mean luma %.0f)", what, m)
		}
	}
}

// patchLayout changes a live job's layout.
func patchLayout(t *testing.T, s *Server, id string, body map[string]any) {
	t.Helper()
	var job egressInfo
	if code := s.Do(t, "PATCH", "/v1/egress/"+id, body, &job); code != http.StatusOK {
		t.Fatalf("PATCH layout %v: status %d", body, code)
	}
}

// TestCompositeGrid: ten publishers (five VP8, five H.264, five sizes) in
// a 1280×720 grid to an RTMP target and a recording. One leaves, another
// joins, then the layout switches to speaker and presentation live: the
// output stays 1280×720 at a constant 30 fps with no timestamp gap, the
// RTMP connection is never re-established, and grabbed frames show the
// tiles where the layout puts them.
func TestCompositeGrid(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s, pubs := compositeRoom(t, ng, 10, 2*time.Minute)
	var job egressInfo
	body := map[string]any{
		"room": "grid", "layout": "grid",
		"video": map[string]any{"width": 1280, "height": 720, "fps": 30, "bitrate_kbps": 2500},
		"outputs": map[string]any{
			"rtmp":   []string{ng.RTMPURL("live", "grid")},
			"record": map[string]any{"segment_seconds": 2},
		},
	}
	job = postEgress(t, s, body)
	waitStates(t, s, job.ID, 30*time.Second, "live")
	live := time.Now()
	at := func(d time.Duration) { // waits until d after the output went live
		hold(t, s, job.ID, time.Until(live.Add(d)))
	}
	at(12 * time.Second)
	pubs[9].Leave(t, 10*time.Second) // p10 leaves at 12 s
	at(20 * time.Second)
	s.StartPublisherSize(t, "grid", "p11", "vp8", 320, 240, 2*time.Minute) // joins at 20 s
	waitTracks(t, s, "grid", 20)
	at(28 * time.Second)
	patchLayout(t, s, job.ID, map[string]any{"layout": "speaker"})
	at(32 * time.Second)
	patchLayout(t, s, job.ID, map[string]any{"layout": "presentation", "max_cameras": 4})
	at(36 * time.Second)
	final := stopEgress(t, s, job.ID)
	if rc := final.Outputs.RTMP[0].Reconnects; rc != 0 {
		t.Errorf("RTMP target reconnected %d times, want never", rc)
	}

	path := recordedFLV(t, ng, "grid")
	checkComposite(t, path, 36*time.Second, "rtmp")
	l := harness.GrabLuma(t, path, 10*time.Second, 1280, 720, "grid10")
	checkTiles(t, l, gridTiles(10, 1280, 720), "10 publishers at 10 s")
	// The output's clock starts with its first frame, up to a few
	// seconds before the job reports the target live: each grab is 6 s
	// after the change it checks.
	l = harness.GrabLuma(t, path, 18*time.Second, 1280, 720, "grid9")
	checkTiles(t, l, gridTiles(9, 1280, 720), "after one left, at 18 s")
	l = harness.GrabLuma(t, path, 26*time.Second, 1280, 720, "grid10-again")
	checkTiles(t, l, gridTiles(10, 1280, 720), "after one joined, at 26 s")
	l = harness.GrabLuma(t, path, 31500*time.Millisecond, 1280, 720, "speaker")
	if m := l.Centre(0, 0, 1024, 720); m < 30 {
		t.Errorf("speaker layout: the stage is black (mean luma %.0f)", m)
	}

	_, mp4 := downloadRecording(t, s, final.Outputs.Record.RecordingID)
	checkComposite(t, mp4, 36*time.Second, "recording")
	l = harness.GrabLuma(t, mp4, 10*time.Second, 1280, 720, "recording-grid10")
	checkTiles(t, l, gridTiles(10, 1280, 720), "recording at 10 s")
}

// checkComposite checks a composite output: 1280×720 H.264 + AAC, a
// constant 30 fps with no step over one frame interval, and a clean
// decode.
func checkComposite(t *testing.T, path string, want time.Duration, what string) {
	t.Helper()
	checkCanvasOutput(t, path, 1280, 720, want, what)
}

// checkCanvasOutput checks an output of a w×h canvas: H.264 + AAC at that
// size, a constant 30 fps with no step over one frame interval, and a
// clean decode.
func checkCanvasOutput(t *testing.T, path string, w, h int, want time.Duration, what string) {
	t.Helper()
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Streams {
		if st.CodecType == "video" && (st.Width != w || st.Height != h || st.CodecName != "h264") {
			t.Errorf("%s: video %s %dx%d, want h264 %dx%d", what, st.CodecName, st.Width, st.Height, w, h)
		}
	}
	if d := (p.Duration - want).Abs(); d > 2*time.Second {
		t.Errorf("%s: lasts %v, want about %v", what, p.Duration, want)
	}
	if g := harness.MaxGap(p.Video); g > 35*time.Millisecond {
		t.Errorf("%s: video timestamps step by %v, want one frame interval (33 ms) at most", what, g)
	}
	first, last := p.Video[0].PTS, p.Video[len(p.Video)-1].PTS
	if fps := float64(len(p.Video)-1) / (last - first).Seconds(); fps < 29.7 || fps > 30.3 {
		t.Errorf("%s: %.2f fps, want a constant 30", what, fps)
	}
	if out, err := harness.DecodeErrors(path); out != "" || err != nil {
		t.Errorf("%s: decode errors: %v %s", what, err, out)
	}
	t.Logf("%s: %v, %d video frames from %v, %d audio frames from %v", what, p.Duration, len(p.Video), p.Video[0].PTS, len(p.Audio), p.Audio[0].PTS)
	if dir := os.Getenv("ROOMCAST_E2E_KEEP"); dir != "" {
		_ = exec.Command("cp", path, filepath.Join(dir, t.Name()+"-"+what+filepath.Ext(path))).Run()
	}
}

// TestCompositeRenditions: one job with a 16:9 grid to one target and a
// 9:16 speaker canvas to another target and to the recording. Each output
// gets its canvas's size, and each canvas is encoded once (its frame
// counter follows the frame rate, not the number of readers).
func TestCompositeRenditions(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s, _ := compositeRoom(t, ng, 3, 2*time.Minute)
	var job egressInfo
	body := map[string]any{
		"room": "grid", "layout": "grid",
		"video":    map[string]any{"width": 1280, "height": 720, "fps": 30, "bitrate_kbps": 2000},
		"canvases": []map[string]any{{"name": "vertical", "width": 720, "height": 1280, "bitrate_kbps": 1500, "layout": "speaker"}},
		"outputs": map[string]any{
			"rtmp":   []any{ng.RTMPURL("live", "wide"), map[string]string{"url": ng.RTMPURL("live", "tall"), "canvas": "vertical"}},
			"record": map[string]any{"segment_seconds": 2, "canvas": "vertical"},
		},
	}
	job = postEgress(t, s, body)
	waitStates(t, s, job.ID, 20*time.Second, "live", "live")
	start := time.Now()
	hold(t, s, job.ID, 8*time.Second)
	metrics := string(fetch(t, s, "/metrics"))
	elapsed := time.Since(start)
	final := stopEgress(t, s, job.ID)

	frames := map[string]float64{}
	for _, c := range []string{"main", "vertical"} {
		frames[c] = metricValue(t, metrics, fmt.Sprintf(`roomcast_egress_canvas_frames_encoded_total{canvas=%q,egress=%q,tenant="default"}`, c, job.ID))
	}
	if outs := metricValue(t, metrics, fmt.Sprintf(`roomcast_egress_canvas_outputs{canvas="vertical",egress=%q,tenant="default"}`, job.ID)); outs != 2 {
		t.Errorf("outputs reading the vertical canvas = %v, want 2 (a target and the recording)", outs)
	}
	// Both canvases started with the job; each was encoded once per
	// frame slot: about 30 a second since, never twice that.
	for c, n := range frames {
		if max := 30 * (elapsed.Seconds() + 25); n > max || n < 30*(elapsed.Seconds()-2) {
			t.Errorf("canvas %s encoded %v frames in a job of at most %.0f s: want 30 a second, once per slot", c, n, elapsed.Seconds()+25)
		}
	}
	if d := frames["main"] - frames["vertical"]; d < -2 || d > 2 {
		t.Errorf("canvases encoded %v and %v frames: want the same, one per slot each", frames["main"], frames["vertical"])
	}
	wide, tall := recordedFLV(t, ng, "wide"), recordedFLV(t, ng, "tall")
	checkCanvasOutput(t, wide, 1280, 720, elapsed, "16:9 target")
	checkCanvasOutput(t, tall, 720, 1280, elapsed, "9:16 target")
	l := harness.GrabLuma(t, tall, 4*time.Second, 720, 1280, "tall")
	if m := l.Centre(0, 0, 720, 1066); m < 30 {
		t.Errorf("9:16 canvas: the speaker's stage is black (mean luma %.0f)", m)
	}
	_, mp4 := downloadRecording(t, s, final.Outputs.Record.RecordingID)
	checkCanvasOutput(t, mp4, 720, 1280, elapsed, "9:16 recording")
}

// metricValue finds one series in a Prometheus text exposition.
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no series %s in /metrics", series)
	return 0
}

// bigPNG is 1.2 MB starting with the PNG signature: over the logo limit,
// and well under the request body limit once in base64.
func bigPNG() []byte {
	b := make([]byte, 1200<<10)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// TestCompositeBadRequests: a bad layout, fit, region, canvas or output
// canvas gets a 400 naming the field, at start and in a PATCH; a PATCH to
// an ended job gets a 409.
func TestCompositeBadRequests(t *testing.T) {
	s := StartServer(t)
	s.CreateRoom(t, "live")
	rtmp := []string{"rtmp://127.0.0.1/live/k"}
	regions := func(n int) []map[string]any {
		var rs []map[string]any
		for i := range n {
			rs = append(rs, map[string]any{"x": i * 40, "y": 0, "w": 40, "h": 40, "source": "next"})
		}
		return rs
	}
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"layout": "mosaic"}, "layout"},
		{map[string]any{"layout": "grid", "fit": "stretch"}, "fit"},
		{map[string]any{"layout": "custom"}, "regions"},
		{map[string]any{"layout": "custom", "regions": []map[string]any{{"x": 1000, "y": 0, "w": 400, "h": 300, "source": "next"}}}, "regions[0].w"},
		{map[string]any{"layout": "custom", "regions": []map[string]any{
			{"x": 0, "y": 0, "w": 0.6, "h": 1, "source": "speaker"}, {"x": 0.5, "y": 0, "w": 0.5, "h": 1, "source": "next"}}}, "regions[1].z"},
		{map[string]any{"layout": "custom", "regions": regions(26)}, "regions"},
		{map[string]any{"video": map[string]int{"width": 1920, "height": 1200}}, "video"},
		{map[string]any{"video": map[string]int{"fps": 61}}, "video.fps"},
		{map[string]any{"video": map[string]any{"background": "teal"}}, "video.background"},
		{map[string]any{"canvases": []map[string]any{{"name": "v", "width": 1080, "height": 2000}}}, "canvases[0].height"},
		{map[string]any{"outputs": map[string]any{"rtmp": []any{map[string]string{"url": rtmp[0], "canvas": "vertical"}}}}, "outputs.rtmp[0].canvas"},
		{map[string]any{"branding": map[string]any{"logo": map[string]any{"png_base64": base64.StdEncoding.EncodeToString([]byte("GIF89a not a png"))}}}, "branding.logo.png_base64"},
		{map[string]any{"branding": map[string]any{"logo": map[string]any{"png_base64": base64.StdEncoding.EncodeToString(bigPNG())}}}, "branding.logo.png_base64"},
	}
	for _, tc := range cases {
		body := map[string]any{"room": "live", "outputs": map[string]any{"rtmp": rtmp}}
		for k, v := range tc.body {
			body[k] = v
		}
		var e APIError
		if code := s.Do(t, "POST", "/v1/egress", body, &e); code != http.StatusBadRequest || e.Error.Field != tc.field || !strings.HasPrefix(e.Error.Message, tc.field) {
			t.Errorf("POST %v: %d %q, want 400 naming %s", tc.body, code, e.Error.Message, tc.field)
		}
	}

	job := s.StartRecording(t, "live") // an empty room records too
	Eventually(t, 20*time.Second, "the job active", func() bool { return getEgress(t, s, job.ID).Status == "active" })
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"layout": "mosaic"}, "layout"},
		{map[string]any{"layout": "grid", "fit": "fill"}, "fit"},
		{map[string]any{"fit": "cover"}, "layout"},
		{map[string]any{"layout": "custom", "regions": []map[string]any{{"x": 2000, "y": 0, "w": 40, "h": 40, "source": "next"}}}, "regions[0]"},
	} {
		var e APIError
		if code := s.Do(t, "PATCH", "/v1/egress/"+job.ID, tc.body, &e); code != http.StatusBadRequest || !strings.HasPrefix(e.Error.Field, tc.field) || !strings.HasPrefix(e.Error.Message, e.Error.Field) {
			t.Errorf("PATCH %v: %d %q, want 400 naming %s", tc.body, code, e.Error.Message, tc.field)
		}
	}
	var ok egressInfo
	if code := s.Do(t, "PATCH", "/v1/egress/"+job.ID, map[string]any{"layout": "grid"}, &ok); code != http.StatusOK {
		t.Errorf("PATCH a good layout: %d", code)
	}
	stopEgress(t, s, job.ID)
	var e APIError
	if code := s.Do(t, "PATCH", "/v1/egress/"+job.ID, map[string]any{"layout": "speaker"}, &e); code != http.StatusConflict {
		t.Errorf("PATCH an ended job: %d %q, want 409", code, e.Error.Message)
	}
}

// recordedFLV waits for nginx-rtmp to close the FLV it recorded of key.
func recordedFLV(t *testing.T, ng *nginxrtmp.Server, key string) string {
	t.Helper()
	path, err := ng.WaitRecordDone(key, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// downloadRecording waits for a recording to complete and downloads it
// as one MP4; it returns the manifest and the file.
func downloadRecording(t *testing.T, s *Server, id string) (manifest, string) {
	t.Helper()
	m := waitStatus(t, s, id, "complete", 30*time.Second)
	path := filepath.Join(t.TempDir(), m.ID+".mp4")
	if err := os.WriteFile(path, fetch(t, s, "/v1/recordings/"+m.ID+"/download"), 0o644); err != nil {
		t.Fatal(err)
	}
	return m, path
}
