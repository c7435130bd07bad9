package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// The speaker stage on a 1280×720 canvas with thumbnails: the left
// 1024×720. Its bars tell who is on it: a 4:3 camera is pillarboxed by
// 32 px bars, a portrait one by 300 px bars, and a 16:9 screen share is
// letterboxed (bars above and below).
const stageW, stageH = 1024, 720

// onStage says who fills the stage of a grabbed picture: "fourthree",
// "portrait", "screen", or "" when it is none of them.
func onStage(l *harness.Luma) string {
	top := l.Mean(stageW/3, 4, stageW/3, 30)      // a letterbox bar
	edge := l.Mean(4, stageH/3, 20, stageH/3)     // any pillarbox bar
	inner := l.Mean(100, stageH/3, 100, stageH/3) // a portrait's bar only
	centre := l.Centre(0, 0, stageW, stageH)
	switch {
	case centre < 30:
		return ""
	case top < 24 && edge > 30:
		return "screen"
	case edge < 24 && inner < 24 && top > 30:
		return "portrait"
	case edge < 24 && inner > 30 && top > 30:
		return "fourthree"
	}
	return ""
}

// speechOnsets finds where the output's audio turns from silence to a
// tone (each speaker's turn) and back, on the output's own timeline.
func speechOnsets(t *testing.T, path string) (onsets, ends []time.Duration) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-v", "info", "-nostats", "-i", path, "-vn", "-af", "silencedetect=n=-40dB:d=0.5", "-f", "null", "-")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("silencedetect: %v\n%s", err, errb.String())
	}
	find := func(re string) []time.Duration {
		var out []time.Duration
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(errb.String(), -1) {
			s, _ := strconv.ParseFloat(m[1], 64)
			out = append(out, time.Duration(s*float64(time.Second)))
		}
		return out
	}
	return find(`silence_end: ([0-9.]+)`), find(`silence_start: ([0-9.]+)`)
}

// TestCompositeSpeakerAndPresentation: two publishers speak in turn on a
// schedule, with a second of silence between turns; the speaker layout's
// stage follows each within 1.5 s of the turn's first sound in the
// output. Then, live-switched to presentation, a third participant's
// screen share takes the stage within 1.5 s of its first sound (a beep
// as it starts) and leaves it when it is unpublished (a beep before it
// leaves): the beeps place those moments on the output's timeline.
func TestCompositeSpeakerAndPresentation(t *testing.T) {
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := StartServer(t, "ROOMCAST_RTMPS_CA_FILE="+ng.CertFile())
	s.CreateRoom(t, "talk")
	s.StartPublisherArgs(t, "talk", "fourthree", "--codec", "h264", "--width", "320", "--height", "240", "--duration", "2m",
		"--speak", "0-6s,16s-22s")
	s.StartPublisherArgs(t, "talk", "portrait", "--codec", "vp8", "--width", "360", "--height", "640", "--duration", "2m",
		"--speak", "8s-14s,24s-30s")
	waitTracks(t, s, "talk", 4)
	var job egressInfo
	body := map[string]any{
		"room": "talk", "layout": "speaker", "branding": map[string]any{"labels": false},
		"video":   map[string]any{"width": 1280, "height": 720, "fps": 30, "bitrate_kbps": 2000},
		"outputs": map[string]any{"rtmp": []string{ng.RTMPURL("live", "talk")}},
	}
	job = postEgress(t, s, body)
	waitStates(t, s, job.ID, 20*time.Second, "live")
	hold(t, s, job.ID, 30*time.Second) // past three turns, into the silence
	patchLayout(t, s, job.ID, map[string]any{"layout": "presentation"})
	screen := s.StartPublisherArgs(t, "talk", "slides", "--codec", "vp8", "--width", "160", "--height", "120",
		"--screen", "--screen-fps", "10", "--duration", "7s", "--speak", "0-1s,2s-3s,5s-")
	screen.Wait(t, 30*time.Second)
	waitTracks(t, s, "talk", 4)
	hold(t, s, job.ID, 4*time.Second)
	stopEgress(t, s, job.ID)

	path := recordedFLV(t, ng, "talk")
	onsets, ends := speechOnsets(t, path)
	t.Logf("sounds start at %v, end at %v", onsets, ends)
	// The turns are the long sounds (6 s); the screen's beeps (1 or 2 s)
	// come after them.
	var turns, beeps []time.Duration
	for _, o := range onsets {
		i, _ := slices.BinarySearch(ends, o)
		switch {
		case i == len(ends):
		case ends[i]-o > 4*time.Second && o > 2*time.Second: // not the first speaker at the start
			turns = append(turns, o)
		case len(turns) > 0:
			beeps = append(beeps, o)
		}
	}
	if len(turns) < 2 || len(beeps) == 0 {
		t.Fatalf("found turns %v and screen beeps %v: want at least two turns and a beep", turns, beeps)
	}
	for i, o := range turns {
		before := onStage(harness.GrabLuma(t, path, o-300*time.Millisecond, 1280, 720, fmt.Sprintf("turn%d-before", i)))
		after := onStage(harness.GrabLuma(t, path, o+1500*time.Millisecond, 1280, 720, fmt.Sprintf("turn%d-after", i)))
		if before == "" || after == "" || before == after {
			t.Errorf("turn %d at %v: the stage shows %q before and %q 1.5 s after: want the new speaker within 1.5 s", i, o, before, after)
			continue
		}
		t.Logf("turn %d at %v: %q → %q, on the stage %v after the first sound", i, o, before, after, switchDelay(t, path, o, after))
	}
	// The screen's first beep heard in the output is when its tracks
	// reached the job; its picture must be on the stage within 1.5 s.
	shared := beeps[0]
	if who := onStage(harness.GrabLuma(t, path, shared+1500*time.Millisecond, 1280, 720, "screen-shared")); who != "screen" {
		t.Errorf("presentation 1.5 s after the screen's first sound (%v): the stage shows %q, want the screen", shared, who)
	} else {
		t.Logf("screen on the stage %v after its first sound", switchDelay(t, path, shared-time.Second, "screen")-time.Second)
		// A negative figure: the picture came before the first sound the
		// output kept (the start of a beep can be lost while the job
		// subscribes to the new tracks).
	}
	left := ends[len(ends)-1] // the last beep ends as the screen leaves
	if left < shared {
		t.Fatalf("no end of the screen's last beep after %v (silence starts %v)", shared, ends)
	}
	if who := onStage(harness.GrabLuma(t, path, left+2*time.Second, 1280, 720, "screen-unshared")); who != "fourthree" && who != "portrait" {
		t.Errorf("presentation 2 s after the screen left (%v): the stage shows %q, want a camera", left, who)
	}
}

// switchDelay finds, to 50 ms, when who took the stage after onset (it
// holds it 1.5 s after): a bisection over grabbed frames.
func switchDelay(t *testing.T, path string, onset time.Duration, who string) time.Duration {
	t.Helper()
	lo, hi := time.Duration(0), 2500*time.Millisecond
	for hi-lo > 50*time.Millisecond {
		mid := (lo + hi) / 2
		if onStage(harness.GrabLuma(t, path, onset+mid, 1280, 720, "bisect")) == who {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
