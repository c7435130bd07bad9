package bench

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// feedClip encodes a 3 s loop of c's format like the one `roomcast
// publish` sends (room/synth's videoSpec: testsrc2, libx264 baseline,
// zerolatency, no B-frames, a keyframe every second) at c.kbps, with
// noise so that the encoder needs the bitrate, and a 440 Hz Opus tone.
// Both sides send it as it is: `roomcast publish --file` passes H.264
// and Opus through, the nginx feed copies the video (-c:v copy), and no
// encoder competes with the process being measured.
func feedClip(b testing.TB, c fanoutCase) string {
	b.Helper()
	clip := filepath.Join(b.TempDir(), "clip.mkv")
	gop, rate := strconv.Itoa(c.fps), strconv.Itoa(c.kbps)+"k"
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d,noise=alls=16:allf=t+u", c.width, c.height, c.fps),
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-frames:v", strconv.Itoa(3*c.fps), "-t", "3",
		"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-tune", "zerolatency",
		"-b:v", rate, "-maxrate", rate, "-bufsize", rate,
		"-bf", "0", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-c:a", "libopus", "-b:a", "64k", "-ac", "2",
		"-f", "matroska", clip)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("encode the feed clip: %v\n%s", err, out)
	}
	return clip
}

// feed is an ffmpeg publishing the looped clip (copied) and a 440 Hz tone
// (AAC, 128 kbit/s stereo as roomcast sends) in real time.
type feed struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
	err  error
}

func startFeed(b *testing.B, clip, url string) *feed {
	b.Helper()
	f := &feed{out: &bytes.Buffer{}, done: make(chan struct{})}
	f.cmd = exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
		"-re", "-stream_loop", "-1", "-i", clip,
		"-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-map", "0:v", "-map", "1:a", "-c:v", "copy",
		"-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000",
		"-f", "flv", url)
	f.cmd.Stdout, f.cmd.Stderr = f.out, f.out
	if err := f.cmd.Start(); err != nil {
		b.Fatalf("start ffmpeg: %v", err)
	}
	go func() {
		err := f.cmd.Wait()
		f.mu.Lock()
		f.err = err
		f.mu.Unlock()
		close(f.done)
	}()
	b.Cleanup(f.stop)
	return f
}

func (f *feed) checkRunning(b *testing.B) {
	b.Helper()
	select {
	case <-f.done:
		f.mu.Lock()
		defer f.mu.Unlock()
		b.Fatalf("ffmpeg feed exited: %v\n%s", f.err, f.out)
	default:
	}
}

func (f *feed) stop() {
	select {
	case <-f.done:
		return
	default:
	}
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		_ = f.cmd.Process.Kill()
		<-f.done
	}
}
