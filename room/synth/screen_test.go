package synth

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3/pkg/media/h264writer"
	"github.com/pion/webrtc/v3/pkg/media/ivfwriter"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestScreenClip checks the generated slides: 1280x720, a keyframe every
// 2 s, and pictures that stand still for 3 s and then change.
func TestScreenClip(t *testing.T) {
	const fps = DefaultScreenFPS
	cache := clipCache{dir: testCacheDir, log: newDiscardLogger()}
	path, err := cache.path(context.Background(), screenSpec(media.CodecVP8, fps))
	if err != nil {
		t.Fatal(err)
	}
	clip, err := loadVideoClip(path, media.CodecVP8)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(slides) * clipSeconds * fps; len(clip.frames) != want {
		t.Fatalf("%d frames, want %d", len(clip.frames), want)
	}
	for i, key := range clip.keys {
		if want := i%(screenGOPSeconds*fps) == 0; key != want {
			t.Errorf("frame %d: keyframe %v, want %v", i, key, want)
		}
	}
	if got := probeVideo(t, path); got.width != ScreenWidth || got.height != ScreenHeight {
		t.Errorf("clip is %dx%d, want %dx%d", got.width, got.height, ScreenWidth, ScreenHeight)
	}
	checkSlideChanges(t, path, fps)
}

// checkSlideChanges decodes the clip to small grey pictures and wants
// frames of one slide alike and the first frame of the next far from them.
func checkSlideChanges(t *testing.T, path string, fps int) {
	t.Helper()
	const w, h = 32, 18
	raw := filepath.Join(t.TempDir(), "slides.gray")
	if err := runFFmpeg(context.Background(), []string{"-i", path, "-vf", fmt.Sprintf("scale=%d:%d", w, h),
		"-pix_fmt", "gray", "-f", "rawvideo", raw}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	frame := func(i int) []byte { return data[i*w*h : (i+1)*w*h] }
	n := len(data) / (w * h)
	perSlide := clipSeconds * fps
	for i := 1; i < n; i++ {
		d := meanAbsDiff(frame(i-1), frame(i))
		switch change := i%perSlide == 0; {
		case change && d < 20:
			t.Errorf("frame %d starts slide %d but differs from the one before by only %.1f", i, i/perSlide+1, d)
		case !change && d > 2:
			t.Errorf("frame %d differs from the one before by %.1f within a slide", i, d)
		}
	}
}

func meanAbsDiff(a, b []byte) float64 {
	var sum int
	for i := range a {
		sum += max(int(a[i])-int(b[i]), int(b[i])-int(a[i]))
	}
	return float64(sum) / float64(len(a))
}

func TestPublishScreenVP8(t *testing.T)  { testPublishScreen(t, media.CodecVP8) }
func TestPublishScreenH264(t *testing.T) { testPublishScreen(t, media.CodecH264) }

// testPublishScreen publishes a camera and a screen for 4 s: the offer
// carries two video tracks, one of them "screen", and the server gets the
// screen at 5 fps and 1280x720 beside an unchanged camera.
func testPublishScreen(t *testing.T, codec media.Codec) {
	pub, p := runMediaPublisher(t, func(c *Config) { c.Codec, c.Screen = codec, true })
	const seconds = uint64(mediaRun / time.Second)
	st := pub.Stats()
	t.Logf("stats %+v", st)
	if st.ScreenFrames != seconds*DefaultScreenFPS || st.VideoFrames != seconds*15 || st.AudioFrames != seconds*50 {
		t.Errorf("sent %d screen frames, %d camera frames, %d audio packets; want %d, %d, %d",
			st.ScreenFrames, st.VideoFrames, st.AudioFrames, seconds*DefaultScreenFPS, seconds*15, seconds*50)
	}
	if st.ScreenKeyframes < seconds/screenGOPSeconds {
		t.Errorf("sent %d screen keyframes in %s, want one every %d s", st.ScreenKeyframes, mediaRun, screenGOPSeconds)
	}
	checkScreenOffer(t, p.offer)
	if got := p.videoFrames.Load(); absDiff(got, st.VideoFrames) > 3 {
		t.Errorf("received %d camera frames, sent %d", got, st.VideoFrames)
	}
	checkScreenReceived(t, p.screen.packets(), codec, st.ScreenFrames)
}

// checkScreenOffer wants two video sections in the offer, one with the
// msid track id "screen" and one without.
func checkScreenOffer(t *testing.T, offer string) {
	t.Helper()
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		t.Fatalf("parse offer: %v", err)
	}
	var ids []string
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "video" {
			continue
		}
		msid, _ := m.Attribute("msid")
		_, id, _ := strings.Cut(msid, " ")
		ids = append(ids, id)
	}
	if len(ids) != 2 || (ids[0] == screenTrackID) == (ids[1] == screenTrackID) {
		t.Errorf("offer's video msid track ids %q, want two, one of them %q", ids, screenTrackID)
	}
}

// checkScreenReceived counts the screen frames that arrived, checks that
// their timestamps are 1/5 s apart, and probes them written to a file.
func checkScreenReceived(t *testing.T, pkts []*rtp.Packet, codec media.Codec, sent uint64) {
	t.Helper()
	const step = 90000 / DefaultScreenFPS
	var frames uint64
	var last uint32
	for _, pkt := range pkts {
		if !pkt.Marker {
			continue
		}
		if frames > 0 && (pkt.Timestamp-last == 0 || (pkt.Timestamp-last)%step != 0) {
			t.Errorf("screen frame %d is %d ticks after the one before, want a multiple of %d", frames, pkt.Timestamp-last, step)
		}
		frames, last = frames+1, pkt.Timestamp
	}
	if absDiff(frames, sent) > 2 {
		t.Errorf("received %d screen frames, sent %d", frames, sent)
	}
	path := writeVideo(t, pkts, codec)
	got := probeVideo(t, path)
	if got.width != ScreenWidth || got.height != ScreenHeight || absDiff(uint64(got.frames), frames) > 1 {
		t.Errorf("received screen decodes as %dx%d, %d frames; want %dx%d, %d",
			got.width, got.height, got.frames, ScreenWidth, ScreenHeight, frames)
	}
}

// writeVideo depacketizes the packets into an IVF or Annex-B file.
func writeVideo(t *testing.T, pkts []*rtp.Packet, codec media.Codec) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "screen.ivf")
	var w interface {
		WriteRTP(*rtp.Packet) error
		Close() error
	}
	var err error
	if codec == media.CodecH264 {
		path = strings.TrimSuffix(path, ".ivf") + ".h264"
		w, err = h264writer.New(path)
	} else {
		w, err = ivfwriter.New(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, pkt := range pkts {
		if err := w.WriteRTP(pkt); err != nil {
			t.Fatalf("write screen RTP: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

type videoProbe struct{ width, height, frames int }

// probeVideo decodes the first video stream of path with ffprobe: the
// size of its frames (the first one's, and 0x0 if they differ; the IVF
// header may say otherwise) and their count.
func probeVideo(t *testing.T, path string) videoProbe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "frame=width,height", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p videoProbe
	for i, line := range strings.Fields(string(out)) {
		var w, h int
		if _, err := fmt.Sscanf(line, "%d,%d", &w, &h); err != nil {
			t.Fatalf("ffprobe %s: frame %q: %v", path, line, err)
		}
		if i == 0 {
			p.width, p.height = w, h
		} else if w != p.width || h != p.height {
			p.width, p.height = 0, 0
		}
		p.frames++
	}
	return p
}
