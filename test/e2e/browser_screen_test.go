package e2e

import (
	"fmt"
	"net/http"
	"net/url"
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

// Headless Chromium shares a screen without a person: the flags of
// startChromium suffice. --use-fake-ui-for-media-stream accepts the
// getDisplayMedia picker at once (without it the request waits for a
// choice forever) and picks a fake screen ("screen:-3:0"), whose frames
// --use-fake-device-for-media-stream makes up (without it the capture
// fails, NotReadableError: headless has no screen). No user gesture is
// needed. The fake screen is 800×450 (16:9), the same picture as the fake
// camera: a pacman, four corner squares and a frame counter painted in
// luma on a frame whose luma and chroma are otherwise zero, so it shows
// dark green (0, 135, 0) and its luma is black (onStage cannot see it).
// Here the browser's camera plays a 4:3 test pattern from a file instead,
// so that only the screen is green.

// TestBrowserScreenShare: a Chromium participant joins the room page and
// shares its screen (autoshare=1 clicks Share screen after joining); the
// room lists a screen track for "chrome (screen)", and a presentation
// egress puts that screen on the stage, letterboxed, with the cameras
// in the strip on the right. Chromium sends a keyframe only when asked
// (no periodic ones, unlike the synthetic publisher): the screen reaches
// the stage only if the egress's keyframe requests reach the browser.
func TestBrowserScreenShare(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	bin := chromiumWithCamera(t, chromiumPath(t), fourThreeCamera(t))
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := StartServer(t, "ROOMCAST_RTMPS_CA_FILE="+ng.CertFile())
	s.CreateRoom(t, "present")
	s.StartPublisherSize(t, "present", "portrait", "vp8", 360, 640, 2*time.Minute)
	frag := url.Values{"key": {s.Key}, "name": {"chrome"}, "autojoin": {"1"}, "autoshare": {"1"}}
	c := startChromium(t, bin, s.URL+"/rooms/present#"+frag.Encode())

	start := time.Now()
	c.waitLog(t, 0, 30*time.Second, "Sharing your screen: connected")
	Eventually(t, 10*time.Second, `"chrome (screen)" listed with a screen track, "chrome" with a camera`, func() bool {
		src := trackSources(t, s, "present")
		return src["chrome (screen)"]["video"] == "screen" && src["chrome"]["video"] == "camera" &&
			src["portrait"]["video"] == "camera"
	})
	t.Logf("the room listed the page's screen %v after Chromium started", time.Since(start).Round(100*time.Millisecond))

	var job egressInfo
	body := map[string]any{
		"room": "present", "layout": "presentation", "branding": map[string]any{"labels": false},
		"video":   map[string]any{"width": 1280, "height": 720, "fps": 30, "bitrate_kbps": 2000},
		"outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", "present")}},
	}
	job = postEgress(t, s, body)
	waitStates(t, s, job.ID, 20*time.Second, "live")
	hold(t, s, job.ID, 7*time.Second)
	stopEgress(t, s, job.ID)
	path := recordedFLV(t, ng, "present")

	// Two pictures of the last seconds. The video does not always start
	// with the file (the audio can lead it by a second or two), so they
	// are placed from its last frame.
	end := lastVideoFrame(t, path)
	// The stage, then the thumbnails of portrait and chrome: the screen's
	// own session (a screen and nothing else) gets no camera tile.
	rects := presentationTiles(3, 1280, 720)
	if len(rects) != 3 {
		t.Fatalf("the presentation layout gives %d tiles for a screen and two cameras, want 3", len(rects))
	}
	for _, at := range []time.Duration{end - 2500*time.Millisecond, end - 500*time.Millisecond} {
		if why := screenOnStage(grabRGB(t, path, at, 1280, 720), rects[0]); why != "" {
			t.Errorf("at %v the stage does not show the browser's screen: %s", at, why)
		}
		l := harness.GrabLuma(t, path, at, 1280, 720, fmt.Sprintf("at%v", at.Round(time.Millisecond)))
		checkTiles(t, l, rects[1:], fmt.Sprintf("the strip at %v", at))
		last := rects[len(rects)-1]
		if below := l.H - (last.Y + last.H); below >= 32 {
			if m := l.Mean(last.X+8, last.Y+last.H+8, last.W-16, below-16); m > 24 {
				t.Errorf("at %v: something is drawn under the two camera thumbnails (mean luma %.0f): the screen's session has a tile", at, m)
			}
		}
	}
	for _, bad := range []string{"Could not share", "Screen sharing", "Could not join", "Renegotiation failed"} {
		if strings.Contains(c.log(), bad) {
			t.Errorf("the page reported %q", bad)
		}
	}
}

// lastVideoFrame is the time of the last video frame of path, from the
// start of the file (what ffmpeg's -ss counts from).
func lastVideoFrame(t *testing.T, path string) time.Duration {
	t.Helper()
	p, err := harness.ProbeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Video) == 0 {
		t.Fatalf("%s has no video", path)
	}
	first := p.Video[0].PTS
	if len(p.Audio) > 0 {
		first = min(first, p.Audio[0].PTS)
	}
	return p.Video[len(p.Video)-1].PTS - first
}

// presentationTiles is where the presentation layout puts a screen and n
// participants' cameras on w×h: the stage first.
func presentationTiles(n, w, h int) []tile.Rect {
	s := tile.Scene{Width: w, Height: h, Screen: "0"}
	for i := range n {
		s.Participants = append(s.Participants, tile.Participant{ID: strconv.Itoa(i), Camera: i > 0, Screen: i == 0})
	}
	var rs []tile.Rect
	for _, tl := range tile.Presentation(tile.PresentationOptions{}).Tiles(s) {
		rs = append(rs, tl.Rect)
	}
	return rs
}

// screenOnStage says why the stage of an RGB picture is not Chromium's
// fake 16:9 screen ("" when it is): letterboxed into the stage, bars
// above and below, and green (zero chroma) left of its pacman. A camera
// here (a 4:3 test pattern, a portrait one) is pillarboxed and not
// green; a placeholder is neither.
func screenOnStage(rgb []byte, stage tile.Rect) string {
	const w = 1280
	pic := stage.W * 9 / 16
	bar := (stage.H - pic) / 2
	for _, y := range []int{stage.Y + 4, stage.Y + bar + pic + 4} {
		if c := meanRGB(rgb, w, stage.X, y, stage.W, bar-8); max(c[0], c[1], c[2]) > 30 {
			return fmt.Sprintf("no letterbox bar at y %d (mean RGB %.0f)", y, c)
		}
	}
	// Left of the pacman, between the corner squares.
	c := meanRGB(rgb, w, stage.X+stage.W/12, stage.Y+stage.H/3, stage.W/4, stage.H/3)
	if c[0] > 40 || c[1] < 100 || c[2] > 40 {
		return fmt.Sprintf("the picture is not the fake screen's green (mean RGB %.0f)", c)
	}
	return ""
}

// grabRGB decodes the w×h picture at time at of path as packed RGB.
func grabRGB(t *testing.T, path string, at time.Duration, w, h int) []byte {
	t.Helper()
	ss := strconv.FormatFloat(at.Seconds(), 'f', 3, 64)
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", ss, "-i", path, "-frames:v", "1",
		"-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil || len(out) != w*h*3 {
		t.Fatalf("grab an RGB picture at %s of %s: %v (%d bytes, want %dx%dx3)", ss, path, err, len(out), w, h)
	}
	return out
}

// meanRGB is the mean colour of the rectangle (x, y, rw, rh) of a packed
// RGB picture w pixels wide.
func meanRGB(rgb []byte, w, x, y, rw, rh int) [3]float64 {
	var sum [3]float64
	for r := y; r < y+rh; r++ {
		for i, v := range rgb[(r*w+x)*3 : (r*w+x+rw)*3] {
			sum[i%3] += float64(v)
		}
	}
	n := float64(rw * rh)
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}

// trackSources lists a room's tracks as participant name → kind → source
// (harness.RoomInfo has no source).
func trackSources(t *testing.T, s *Server, room string) map[string]map[string]string {
	t.Helper()
	var info struct {
		Participants []struct {
			Name   string `json:"name"`
			Tracks []struct {
				Kind   string `json:"kind"`
				Source string `json:"source"`
			} `json:"tracks"`
		} `json:"participants"`
	}
	if code := s.Do(t, "GET", "/v1/rooms/"+room, nil, &info); code != http.StatusOK {
		t.Fatalf("get room %s: status %d", room, code)
	}
	src := map[string]map[string]string{}
	for _, p := range info.Participants {
		src[p.Name] = map[string]string{}
		for _, tr := range p.Tracks {
			src[p.Name][tr.Kind] = tr.Source
		}
	}
	return src
}

// fourThreeCamera writes a second of a 320×240 test pattern as Y4M, for
// Chromium's --use-file-for-fake-video-capture (it loops the file).
func fourThreeCamera(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "camera.y4m")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
		"-frames:v", "30", "-pix_fmt", "yuv420p", path).CombinedOutput()
	if err != nil {
		t.Fatalf("make the camera file: %v\n%s", err, out)
	}
	return path
}

// chromiumWithCamera returns a launcher that runs bin with camera as its
// fake camera, for startChromium (whose flags are shared).
func chromiumWithCamera(t *testing.T, bin, camera string) string {
	t.Helper()
	launcher := filepath.Join(t.TempDir(), "chromium")
	script := fmt.Sprintf("#!/bin/sh\nexec %s --use-file-for-fake-video-capture=%s \"$@\"\n", shellQuote(bin), shellQuote(camera))
	if err := os.WriteFile(launcher, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return launcher
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
