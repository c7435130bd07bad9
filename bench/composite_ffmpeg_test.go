package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// ffmpegGridArgs is one ffmpeg command doing what a grid Layout does for
// n participants on a w×h canvas: decode each WebM in real time (-re),
// scale it into its cell as the Layout does (the same cells, from
// tile.Grid; fit contain, bilinear, centred bars), xstack the cells on
// black, amix the audio, and encode once with the Layout's encoder
// settings (libx264 veryfast, zerolatency, 2 threads, CBR with a 1 s VBV
// buffer, an IDR every 2 s, no B-frames; AAC 128 kbit/s), to the null
// muxer, as the Layout's output is dropped. Decoders get roomcast's
// threading too: 2 slice threads.
func ffmpegGridArgs(in compositeInputs, n, w, h int) []string {
	scene := tile.Scene{Width: w, Height: h}
	for i := range n {
		scene.Participants = append(scene.Participants, tile.Participant{ID: participantName(i), Camera: true})
	}
	tiles := tile.Grid(tile.GridOptions{}).Tiles(scene)
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-nostats", "-progress", "pipe:1", "-stats_period", "0.2"}
	for i := range n {
		args = append(args, "-thread_type", "slice", "-threads", "2", "-re", "-i", in.webm(participantName(i)))
	}
	var filters, cells, places, mix []string
	right, bottom := 0, 0
	for i, t := range tiles {
		r := t.Rect
		filters = append(filters, fmt.Sprintf(
			"[%d:v]scale=%d:%d:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bilinear,pad=%d:%d:(ow-iw)/2:(oh-ih)/2[c%d]",
			i, r.W, r.H, r.W, r.H, i))
		cells = append(cells, fmt.Sprintf("[c%d]", i))
		places = append(places, fmt.Sprintf("%d_%d", r.X, r.Y))
		mix = append(mix, fmt.Sprintf("[%d:a]", i))
		right, bottom = max(right, r.X+r.W), max(bottom, r.Y+r.H)
	}
	stack := fmt.Sprintf("%sxstack=inputs=%d:layout=%s:fill=black", strings.Join(cells, ""), len(tiles), strings.Join(places, "|"))
	if right < w || bottom < h {
		stack += fmt.Sprintf(",pad=%d:%d:0:0:black", w, h)
	}
	filters = append(filters, stack+"[v]", fmt.Sprintf("%samix=inputs=%d[a]", strings.Join(mix, ""), n))
	rate, gop := strconv.Itoa(compositeKbps)+"k", strconv.Itoa(2*cameraFPS)
	return append(args, "-filter_complex", strings.Join(filters, ";"), "-map", "[v]", "-map", "[a]",
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-threads", "2",
		"-b:v", rate, "-maxrate", rate, "-bufsize", rate, "-bf", "0", "-g", gop, "-keyint_min", gop, "-forced-idr", "1",
		"-x264-params", "scenecut=0:repeat-headers=1:force-cfr=1", "-r", strconv.Itoa(cameraFPS), "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-f", "null", "-")
}

// runFFmpegComposite measures the ffmpeg command over the window; its
// output frame rate comes from its -progress reports.
func runFFmpegComposite(b *testing.B, in compositeInputs, c compositeCase, warmup, window time.Duration) compositeRow {
	b.Helper()
	cmd := exec.Command("ffmpeg", ffmpegGridArgs(in, c.n, c.canvases[0].Width, c.canvases[0].Height)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var frames atomic.Int64
	go readProgress(stdout, &frames)
	var edges []int64
	use := measureProcess(b, cmd, warmup, window,
		func(p *os.Process) { _ = p.Signal(syscall.SIGINT) },
		func() { edges = append(edges, frames.Load()) })
	return compositeRow{compositeCase: c, use: use, fps: float64(edges[1]-edges[0]) / use.wall.Seconds()}
}

// readProgress keeps the frame count of ffmpeg's -progress reports.
func readProgress(r io.Reader, frames *atomic.Int64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "frame="); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				frames.Store(n)
			}
		}
	}
	_, _ = io.Copy(io.Discard, r)
}
