package synth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Test inputs, made with ffmpeg: a 25 fps test pattern and a tone.
const (
	fileFPS     = 25
	fileSeconds = 2
)

var (
	patternInput = []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25"}
	toneInput    = []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"}
)

// makeMedia runs ffmpeg with args into a file name in a temporary folder.
func makeMedia(t *testing.T, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	if err := runFFmpeg(context.Background(), append(args, out)); err != nil {
		t.Fatal(err)
	}
	return out
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// webmFile is 2 s of VP8 and Opus.
func webmFile(t *testing.T) string {
	return makeMedia(t, "in.webm", concat(patternInput, toneInput, []string{"-t", strconv.Itoa(fileSeconds),
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "25", "-c:a", "libopus"})...)
}

// mp4File is 2 s of H.264 made with x264's given profile, and AAC.
func mp4File(t *testing.T, profile string) string {
	return makeMedia(t, "in.mp4", concat(patternInput, toneInput, []string{"-t", strconv.Itoa(fileSeconds),
		"-c:v", "libx264", "-profile:v", profile, "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac"})...)
}

// newFileTest starts a test server, closed at the end of the test and
// then checked for leaked goroutines, and a config to publish file to it.
func newFileTest(t *testing.T, file string) (*testWHIPServer, Config) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
	srv := newTestWHIPServer(t)
	t.Cleanup(srv.close)
	return srv, fileConfig(srv, file)
}

func fileConfig(srv *testWHIPServer, file string) Config {
	return Config{Server: srv.srv.URL, Token: testToken, Room: testRoom, Name: "file", Codec: media.CodecVP8,
		File: file, LoopbackOnly: true, CacheDir: testCacheDir}
}

func planAndPrepare(t *testing.T, cfg Config) *fileMedia {
	t.Helper()
	cfg = cfg.withDefaults()
	plan, err := planFile(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := prepareFile(context.Background(), clipCache{dir: cfg.CacheDir, log: newDiscardLogger()}, plan, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// packetSizes are the sizes of the packets of a file's first stream of
// kind ("v" or "a"), by ffprobe.
func packetSizes(t *testing.T, path, kind string) []int {
	t.Helper()
	out, err := runFFTool(context.Background(), "ffprobe", []string{"-v", "error", "-select_streams", kind + ":0",
		"-show_entries", "packet=size", "-of", "csv=p=0", "-i", path})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, f := range strings.Fields(string(out)) {
		n, err := strconv.Atoi(strings.Trim(f, ","))
		if err != nil {
			t.Fatalf("ffprobe packet size %q", f)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func frameSizes(frames [][]byte) []int {
	sizes := make([]int, len(frames))
	for i, f := range frames {
		sizes[i] = len(f)
	}
	return sizes
}

// runFile publishes cfg to srv and waits for Run, returning how long it
// streamed: from Ready to the end of Run.
func runFile(t *testing.T, cfg Config, within time.Duration) (*Publisher, time.Duration) {
	t.Helper()
	pub, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pub.Run(context.Background()) }()
	waitReady(t, pub, done)
	ready := time.Now()
	if err := waitRun(t, done, within); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return pub, time.Since(ready)
}

// frameStarts are the first packets of the video frames in log.
func frameStarts(pkts []*rtp.Packet) []*rtp.Packet {
	var out []*rtp.Packet
	for i, p := range pkts {
		if i == 0 || p.Timestamp != pkts[i-1].Timestamp {
			out = append(out, p)
		}
	}
	return out
}

// TestFileWebMCopied publishes a WebM once: VP8 and Opus go out as the
// file has them, frame for frame, at the file's rate, and publishing ends
// at the file's end, with the WHIP resource deleted.
func TestFileWebMCopied(t *testing.T) {
	in := webmFile(t)
	srv, cfg := newFileTest(t, in)
	cfg.Codec = media.CodecH264 // only for transcoding: the file's VP8 goes out

	f := planAndPrepare(t, cfg)
	if !f.plan.video.copied || f.plan.video.codec != media.CodecVP8 || !f.plan.audio.copied {
		t.Fatalf("plan: video %s, audio %s; want both copied", f.plan.video, f.plan.audio)
	}
	if got, want := frameSizes(f.video.frames), packetSizes(t, in, "v"); !slices.Equal(got, want) {
		t.Errorf("clip frame sizes %v, want the file's packets %v", got, want)
	}
	if got, want := frameSizes(f.audio.packets[:len(packetSizes(t, in, "a"))]), packetSizes(t, in, "a"); !slices.Equal(got, want) {
		t.Errorf("clip audio packet sizes %v, want the file's packets %v", got, want)
	}

	pub, took := runFile(t, cfg, 15*time.Second)
	st := pub.Stats()
	t.Logf("streamed %s, stats %+v", took, st)
	if took < fileSeconds*time.Second-200*time.Millisecond || took > fileSeconds*time.Second+time.Second {
		t.Errorf("Loop=false streamed for %s, want about the file's %ds", took, fileSeconds)
	}
	if want := uint64(fileFPS * fileSeconds); st.VideoFrames != want {
		t.Errorf("sent %d video frames, want the file's %d", st.VideoFrames, want)
	}
	if got := srv.deletedIDs(); len(got) != 1 {
		t.Errorf("DELETEs %v, want one", got)
	}
	p := srv.firstPeer()
	if mime, _ := p.codecs.Load("video"); mime != webrtc.MimeTypeVP8 {
		t.Errorf("video track %v, want VP8", mime)
	}
	frames := frameStarts(p.videoLog.packets())
	if absDiff(uint64(len(frames)), st.VideoFrames) > 3 {
		t.Errorf("received %d frames, sent %d", len(frames), st.VideoFrames)
	}
	for i := 1; i < len(frames); i++ {
		if d := frames[i].Timestamp - frames[i-1].Timestamp; d != videoClock/fileFPS {
			t.Fatalf("frame %d is %d ticks after the one before, want %d (%d fps)", i, d, videoClock/fileFPS, fileFPS)
		}
	}
}

// TestFileMP4Baseline: H.264 without B-frames goes out as it is, in H.264
// whatever Codec says; AAC becomes Opus.
func TestFileMP4Baseline(t *testing.T) {
	in := mp4File(t, "baseline")
	srv, cfg := newFileTest(t, in)

	f := planAndPrepare(t, cfg)
	if v, a := f.plan.video, f.plan.audio; !v.copied || v.codec != media.CodecH264 || a.copied || a.codec != media.CodecOpus {
		t.Fatalf("plan: video %s, audio %s; want H.264 copied, AAC transcoded to Opus", v, a)
	}
	if got := len(f.video.frames); got != fileFPS*fileSeconds {
		t.Errorf("clip has %d frames, want %d", got, fileFPS*fileSeconds)
	}

	pub, _ := runFile(t, cfg, 15*time.Second)
	st := pub.Stats()
	p := srv.firstPeer()
	if mime, _ := p.codecs.Load("video"); mime != webrtc.MimeTypeH264 {
		t.Errorf("video track %v, want H.264", mime)
	}
	if mime, _ := p.codecs.Load("audio"); mime != webrtc.MimeTypeOpus {
		t.Errorf("audio track %v, want Opus", mime)
	}
	if st.VideoFrames != fileFPS*fileSeconds || st.Keyframes < fileSeconds || p.videoKeys.Load() != st.Keyframes {
		t.Errorf("stats %+v, server saw %d keyframes", st, p.videoKeys.Load())
	}
	if got := p.audioPackets.Load(); got < 95 || absDiff(got, st.AudioFrames) > 5 {
		t.Errorf("received %d audio packets, sent %d, want about 100", got, st.AudioFrames)
	}
}

// TestFileBFramesTranscoded: H.264 with B-frames (x264's default High
// profile) is transcoded to Codec.
func TestFileBFramesTranscoded(t *testing.T) {
	in := mp4File(t, "high")
	cfg := Config{File: in, Codec: media.CodecVP8, CacheDir: testCacheDir}
	f := planAndPrepare(t, cfg)
	v := f.plan.video
	if v.copied || v.codec != media.CodecVP8 || !strings.Contains(v.why, "B-frames") {
		t.Fatalf("plan: video %s, want transcoded to VP8 for its B-frames", v)
	}
	if got := len(f.video.frames); got != fileFPS*fileSeconds {
		t.Errorf("clip has %d frames, want %d", got, fileFPS*fileSeconds)
	}
	if !f.video.keys[0] || len(f.video.pts) != len(f.video.frames) {
		t.Errorf("transcoded clip: first frame key %v, %d timestamps", f.video.keys[0], len(f.video.pts))
	}
}

// TestFileLoops: with Loop and a Duration past the file's end, the file
// plays again, and the RTP timestamps run on across the loop: each step
// is the file's frame or packet duration, the one at the wrap-around plus
// the padding of its track.
func TestFileLoops(t *testing.T) {
	in := webmFile(t)
	srv, cfg := newFileTest(t, in)
	cfg.Loop, cfg.Duration = true, 3500*time.Millisecond
	f := planAndPrepare(t, cfg)

	pub, took := runFile(t, cfg, 15*time.Second)
	st := pub.Stats()
	t.Logf("streamed %s, file %s, stats %+v", took, f.length(), st)
	if st.VideoFrames <= fileFPS*fileSeconds || absDiff(st.VideoFrames, fileFPS*7/2) > 3 {
		t.Errorf("sent %d video frames in 3.5 s of a looped %d s file", st.VideoFrames, fileSeconds)
	}
	p := srv.firstPeer()
	n := len(f.video.frames)
	checkSteps(t, "video", frameStarts(p.videoLog.packets()), videoClock/fileFPS, uint32(f.videoPos[n]-f.videoPos[n-1]))
	audio := p.audioLog.packets()
	last := f.audio.samples[len(f.audio.samples)-1]
	checkSteps(t, "audio", audio, 960, last)
	if len(audio) < 170 {
		t.Errorf("received %d audio packets in 3.5 s, want 175: silence pads the audio too", len(audio))
	}
}

// checkSteps wants every timestamp step to be step, and wrap at most
// once per loop.
func checkSteps(t *testing.T, kind string, pkts []*rtp.Packet, step, wrap uint32) {
	t.Helper()
	wraps := 0
	for i := 1; i < len(pkts); i++ {
		switch d := pkts[i].Timestamp - pkts[i-1].Timestamp; {
		case d == step:
		case d == wrap:
			wraps++
		default:
			t.Errorf("%s: step %d of %d ticks, want %d, or %d at the loop", kind, i, d, step, wrap)
			return
		}
	}
	if wraps > 1 && wrap != step {
		t.Errorf("%s: %d steps of the wrap-around length %d in under two loops", kind, wraps, wrap)
	}
}

// TestFileSync: audio that starts 200 ms after the video in the file
// starts 200 ms after it at the receiver, by the sender reports' clock, and
// again on the next loop. Opus is copied from the WebM (its start_time
// counts the encoder delay) and PCM from the MKV is transcoded (the
// encoder's delay is taken off the lead).
func TestFileSync(t *testing.T) {
	cases := []struct{ name, file, codec string }{
		{"webm-opus", "delayed.webm", "libopus"},
		{"mkv-pcm", "delayed.mkv", "pcm_s16le"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := makeMedia(t, tc.file, concat(patternInput, []string{"-itsoffset", "0.2"}, toneInput, []string{
				"-t", strconv.Itoa(fileSeconds), "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-c:a", tc.codec})...)
			srv, cfg := newFileTest(t, in)
			cfg.Loop, cfg.Duration = true, 3*time.Second
			f := planAndPrepare(t, cfg)
			t.Logf("video %s, audio %s, audio lead %s, file %s", f.plan.video, f.plan.audio, f.audioLead, f.length())

			runFile(t, cfg, 15*time.Second)
			p := srv.firstPeer()
			video, audio := frameStarts(p.videoLog.packets()), p.audioLog.packets()
			loopFrames, loopPackets := len(f.video.frames), len(f.audio.packets)
			if len(video) <= loopFrames || len(audio) <= loopPackets {
				t.Fatalf("received %d frames and %d audio packets, want a second loop (%d, %d a loop)",
					len(video), len(audio), loopFrames, loopPackets)
			}
			for loop, at := range [][2]*rtp.Packet{{video[0], audio[0]}, {video[loopFrames], audio[loopPackets]}} {
				v, okV := p.senderReports.wallTime(at[0], videoClock)
				a, okA := p.senderReports.wallTime(at[1], audioClock)
				if !okV || !okA {
					t.Fatal("no sender report for a track")
				}
				offset := a.Sub(v)
				t.Logf("loop %d: audio %s after video", loop, offset)
				if offset < 170*time.Millisecond || offset > 230*time.Millisecond {
					t.Errorf("loop %d: the audio starts %s after the video by the sender reports, want 200ms ±30ms", loop, offset)
				}
			}
		})
	}
}

// TestFileOneTrack: a file with video only publishes no audio track, and
// one with audio only (an MP3 with cover art) no video track; Ready then
// waits for audio.
func TestFileOneTrack(t *testing.T) {
	cases := []struct {
		name, file string
		args       []string
		want       media.Kind
	}{
		{"video only", "video.webm", concat(patternInput, []string{"-t", "1", "-c:v", "libvpx", "-deadline", "realtime"}), media.KindVideo},
		{"audio only", "audio.mp3", concat(toneInput, []string{"-f", "lavfi", "-i", "color=red:s=64x64", "-t", "1",
			"-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic"}), media.KindAudio},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, cfg := newFileTest(t, makeMedia(t, tc.file, tc.args...))
			pub, took := runFile(t, cfg, 15*time.Second)
			st := pub.Stats()
			t.Logf("streamed %s, stats %+v", took, st)
			p := srv.firstPeer()
			for _, kind := range []media.Kind{media.KindVideo, media.KindAudio} {
				inOffer := strings.Contains(p.offer, "m="+string(kind))
				sent := st.VideoFrames > 0
				if kind == media.KindAudio {
					sent = st.AudioFrames > 0
				}
				if want := kind == tc.want; inOffer != want || sent != want {
					t.Errorf("%s: in the offer %v, sent %v; want %v", kind, inOffer, sent, want)
				}
			}
			if took > 2500*time.Millisecond {
				t.Errorf("a 1 s file played once streamed for %s", took)
			}
		})
	}
}

// TestFileErrors: a missing file is refused by New, naming it; a file
// ffmpeg cannot read, or one without video or audio, fails Run before any
// WHIP request, naming the file and the problem.
func TestFileErrors(t *testing.T) {
	srv, _ := newFileTest(t, "")
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.webm")
	if _, err := New(fileConfig(srv, missing)); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), missing) {
		t.Errorf("New with a missing file: %v, want ErrInvalidConfig naming %s", err, missing)
	}
	if _, err := New(fileConfig(srv, dir)); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), dir) {
		t.Errorf("New with a folder: %v, want ErrInvalidConfig naming it", err)
	}
	garbage := filepath.Join(dir, "garbage.mp4")
	subtitles := filepath.Join(dir, "subtitles.srt")
	for path, data := range map[string]string{
		garbage:   "not a media file",
		subtitles: "1\n00:00:00,000 --> 00:00:01,000\nhello\n",
	} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		path string
		is   error
		says string
	}{
		{garbage, ErrFFmpeg, "Invalid data"},
		{subtitles, ErrNoMedia, "subtitle"},
	}
	for _, tc := range cases {
		pub, err := New(fileConfig(srv, tc.path))
		if err != nil {
			t.Fatal(err)
		}
		err = pub.Run(context.Background())
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Run with %s: %v, want %v naming the file and %q", filepath.Base(tc.path), err, tc.is, tc.says)
		}
	}
	if len(srv.names) != 0 {
		t.Errorf("WHIP requests for %v, want none", srv.names)
	}
}
