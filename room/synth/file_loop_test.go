package synth

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// testFile is a file with 10 VP8 frames at 25 fps (0.4 s) from 0 s, a
// keyframe every 5, and 30 Opus packets of 20 ms (0.6 s) from 0.2 s.
func testFile() *fileMedia {
	v := &videoClip{timebase: [2]uint32{1, 25}}
	for i := range 10 {
		v.frames = append(v.frames, []byte{byte(i)})
		v.keys = append(v.keys, i%5 == 0)
		v.pts = append(v.pts, uint64(100+i)) // IVF timestamps need not start at 0
	}
	a := &audioClip{}
	for i := range 30 {
		a.packets = append(a.packets, []byte{0xfc, byte(i)})
		a.samples = append(a.samples, 960)
	}
	plan := filePlan{
		video: &streamPlan{codec: media.CodecVP8, copied: true, rate: rational{25, 1}},
		audio: &streamPlan{codec: media.CodecOpus, copied: true, start: 200 * time.Millisecond},
	}
	return scheduleFile(plan, v, a)
}

// TestScheduleFile: both tracks loop at the file's length, 0.8 s, the
// audio 0.2 s after the video, each padded to the loop in its own clock.
func TestScheduleFile(t *testing.T) {
	f := testFile()
	if f.videoLead != 0 || f.audioLead != 200*time.Millisecond || f.length() != 800*time.Millisecond {
		t.Fatalf("leads %s and %s, length %s; want 0, 200ms and 800ms", f.videoLead, f.audioLead, f.length())
	}
	if want := []uint64{0, 3600, 7200}; !slices.Equal(f.videoPos[:3], want) || f.videoPos[10] != 72000 {
		t.Errorf("video positions %v, want 3600 ticks apart and the loop at 72000", f.videoPos)
	}
	var audio uint64
	for _, n := range f.audio.samples {
		audio += uint64(n)
	}
	if audio != 38400 || len(f.audio.packets) != 40 || string(f.audio.packets[39]) != string(opusSilence) {
		t.Errorf("audio loop of %d ticks in %d packets, want 38400 in 40, the last 10 silence", audio, len(f.audio.packets))
	}
}

// TestScheduleFilePadsUnevenly: a loop that is not a whole number of
// audio packets ends on a longer last packet.
func TestScheduleFilePadsUnevenly(t *testing.T) {
	c := padAudio(&audioClip{packets: [][]byte{{0xfc}}, samples: []uint32{960}}, 960, 960+2*960+100)
	if !slices.Equal(c.samples, []uint32{960, 960, 1060}) {
		t.Errorf("padded samples %v, want 960 960 1060", c.samples)
	}
}

// sent is a frame a loop sent and when (in RTP ticks).
type sent struct {
	frame byte
	at    uint64
}

// playLoop takes n frames from l, with a key request before the frames
// numbered in requests; it returns them and the time after the last.
func playLoop(l *fileVideoLoop, key *atomic.Bool, n int, requests ...int) ([]sent, uint64) {
	var got []sent
	var at uint64
	for i := range n {
		if slices.Contains(requests, i) {
			key.Store(true)
		}
		u := l.next()
		got = append(got, sent{u.data[0], at})
		at += uint64(u.ticks)
	}
	return got, at
}

// TestFileVideoLoopKeyRequest: a key request sends the next keyframe at
// once and holds it until the frame after it is due; the loop stays on
// the schedule, and a keyframe in the next loop moves on to that loop.
func TestFileVideoLoopKeyRequest(t *testing.T) {
	f := testFile()
	var key atomic.Bool
	l := &fileVideoLoop{clip: f.video, pos: f.videoPos, keyRequest: &key}
	got, at := playLoop(l, &key, 14, 2, 9)
	want := []sent{
		{0, 0}, {1, 3600}, {5, 7200}, // the request at frame 2 sends keyframe 5 early...
		{6, 21600}, {7, 25200}, {8, 28800}, {9, 32400}, // ...and the next frame when it is due
		{0, 72000}, {1, 75600}, // the loop is padded to 0.8 s: frame 0 again at 72000
		{5, 79200}, {6, 93600}, {7, 97200}, {8, 100800}, {9, 104400},
	}
	if !slices.Equal(got, want) {
		t.Errorf("sent %v,\nwant %v", got, want)
	}
	key.Store(true) // at frame 0 of the third loop: a keyframe already
	if u := l.next(); u.data[0] != 0 || at != 144000 {
		t.Errorf("third loop starts with frame %d at %d, want 0 at 144000", u.data[0], at)
	}
}

// TestFileVideoLoopKeyInNextLoop: past the last keyframe of the loop, a
// key request sends the first frame of the next loop.
func TestFileVideoLoopKeyInNextLoop(t *testing.T) {
	f := testFile()
	var key atomic.Bool
	l := &fileVideoLoop{clip: f.video, pos: f.videoPos, keyRequest: &key}
	var at uint64
	for range 7 {
		at += uint64(l.next().ticks)
	}
	key.Store(true)
	u := l.next() // frame 7 due at 25200: sends frame 0 of the next loop, held until its frame 1
	if u.data[0] != 0 || !u.key || at+uint64(u.ticks) != 72000+3600 {
		t.Errorf("sent frame %d (key %v) lasting to %d, want frame 0 lasting to 75600", u.data[0], u.key, at+uint64(u.ticks))
	}
	if u := l.next(); u.data[0] != 1 {
		t.Errorf("then frame %d, want 1", u.data[0])
	}
}

// TestFramePositionsH264: without timestamps frames follow the rate,
// exactly over the clip even at 30000/1001.
func TestFramePositionsH264(t *testing.T) {
	c := &videoClip{frames: make([][]byte, 30000)}
	pos := framePositions(c, rational{30000, 1001})
	if pos[1] != 3003 || pos[30000] != 1001*90000 {
		t.Errorf("positions %d .. %d, want 3003 .. %d", pos[1], pos[30000], 1001*90000)
	}
}

func TestPlanStreams(t *testing.T) {
	f := filePlan{path: "/media/in.mp4", key: "k"}
	cfg := Config{Codec: media.CodecH264, FPS: 30}
	h264 := probedStream{CodecType: "video", CodecName: "h264", PixFmt: "yuv420p", FieldOrder: "progressive",
		RFrameRate: "25/1", AvgFrameRate: "25/1"}
	cases := []struct {
		name   string
		edit   func(*probedStream)
		copied bool
		why    string
		args   string // in the ffmpeg arguments
	}{
		{"h264 baseline", func(*probedStream) {}, true, "", "-c:v copy -bsf:v h264_mp4toannexb -f h264"},
		{"h264 b-frames", func(s *probedStream) { s.HasBFrames = 2 }, false, "B-frames", "-fps_mode cfr -r 25/1 -c:v libx264"},
		{"h264 vfr", func(s *probedStream) { s.RFrameRate, s.AvgFrameRate = "30/1", "2997/125" }, false, "variable", "-r 24/1"},
		{"h264 4:4:4", func(s *probedStream) { s.PixFmt = "yuv444p" }, false, "pixel format", "libx264"},
		{"h264 interlaced", func(s *probedStream) { s.FieldOrder = "tt" }, false, "interlaced", "libx264"},
		{"vp8 vfr", func(s *probedStream) { s.CodecName, s.AvgFrameRate = "vp8", "2997/125" }, true, "", "-c:v copy -f ivf"},
		{"hevc", func(s *probedStream) { s.CodecName = "hevc" }, false, "VP8 or H.264", "-c:v libx264"},
		{"no rate", func(s *probedStream) { s.CodecName, s.RFrameRate, s.AvgFrameRate = "mpeg4", "0/0", "0/0" }, false, "", "-r 30/1"},
	}
	for _, tc := range cases {
		s := h264
		tc.edit(&s)
		p := planVideo(s, f, cfg, false)
		args := strings.Join(p.spec.args, " ")
		if p.copied != tc.copied || !strings.Contains(p.why, tc.why) || !strings.Contains(args, tc.args) {
			t.Errorf("%s: %s, args %q; want copied %v, %q, args with %q", tc.name, p, args, tc.copied, tc.why, tc.args)
		}
	}
	for _, tc := range []struct {
		codec    string
		channels int
		copied   bool
	}{{"opus", 2, true}, {"opus", 6, false}, {"aac", 2, false}} {
		p := planAudio(probedStream{CodecType: "audio", CodecName: tc.codec, Channels: tc.channels}, f)
		args := strings.Join(p.spec.args, " ")
		if p.copied != tc.copied || (!p.copied && !strings.Contains(args, "-c:a libopus -frame_duration 20")) {
			t.Errorf("%s %d channels: %s, args %q", tc.codec, tc.channels, p, args)
		}
	}
}

// TestFileSpecKey: the clip's name changes with the file's size or time,
// and with the arguments.
func TestFileSpecKey(t *testing.T) {
	args := []string{"-c:v", "copy"}
	a := fileSpec(filePlan{path: "/m/a b.webm", key: "1"}, "video", "ivf", args).name
	b := fileSpec(filePlan{path: "/m/a b.webm", key: "2"}, "video", "ivf", args).name
	c := fileSpec(filePlan{path: "/m/a b.webm", key: "1"}, "video", "ivf", []string{"-c:v", "libvpx"}).name
	if a == b || a == c || !strings.HasPrefix(a, "file-a_b.webm-video-") || !strings.HasSuffix(a, ".ivf") {
		t.Errorf("names %q %q %q", a, b, c)
	}
}

func TestProbedFileStreams(t *testing.T) {
	var f probedFile
	f.Streams = []probedStream{{Index: 0, CodecType: "video", CodecName: "mjpeg"}, {Index: 1, CodecType: "audio"}, {Index: 2, CodecType: "video"}}
	f.Streams[0].Disposition.AttachedPic = 1
	if v, a := f.video(), f.audio(); v == nil || v.Index != 2 || a == nil || a.Index != 1 {
		t.Errorf("video %+v, audio %+v: want streams 2 and 1 (0 is cover art)", v, a)
	}
	if d := parseSeconds("-0.006500"); d != -6500*time.Microsecond {
		t.Errorf("parseSeconds = %s", d)
	}
	if d := parseSeconds("N/A"); d != 0 {
		t.Errorf("parseSeconds(N/A) = %s", d)
	}
}

// TestFileVideoLoopKeyNow: with keyNow a key request jumps to the next
// keyframe and goes on from it at the frame rate, as a live encoder's IDR
// does: the timeline never holds.
func TestFileVideoLoopKeyNow(t *testing.T) {
	f := testFile()
	var key atomic.Bool
	l := &fileVideoLoop{clip: f.video, pos: f.videoPos, keyRequest: &key, keyNow: true}
	got, _ := playLoop(l, &key, 9, 2, 6)
	want := []sent{
		{0, 0}, {1, 3600}, {5, 7200}, {6, 10800}, {7, 14400}, {8, 18000}, // frame 5 at once, then on
		{0, 21600}, {1, 25200}, {2, 28800}, // at frame 9, the next keyframe is the next loop's 0
	}
	if !slices.Equal(got, want) {
		t.Errorf("sent %v,\nwant %v", got, want)
	}
}
