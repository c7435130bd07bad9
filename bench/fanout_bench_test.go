package bench

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
)

// The fan-out benchmark: one H.264 source sent to 0, 1 and 10 RTMP
// targets, by roomcast (a room, an egress job passing the video through)
// and by nginx-rtmp's push (one nginx relaying an RTMP publish).
const (
	fanoutWidth, fanoutHeight, fanoutFPS = 1280, 720, 30
	// fanoutSettle passes after every output is live and before the
	// window opens, so connection set-up and the first GOP stay out.
	fanoutSettle = 3 * time.Second
	// fanoutWindowEnv overrides the measuring window (a Go duration).
	fanoutWindowEnv = "ROOMCAST_BENCH_WINDOW"
	latencyMetric   = "roomcast_egress_rtmp_latency_seconds"
)

// fanoutOutputs are the cases: 0 is the cost of taking the source in
// with nothing sent out, the base the others are compared with.
var fanoutOutputs = []int{0, 1, 10}

// fanoutRow is one case measured over one window.
type fanoutRow struct {
	outputs    int
	wall       time.Duration
	ticks      float64  // CPU seconds per second (1 = one core busy), clock-tick accounting: /metrics or /proc/<pid>/stat
	cpu        float64  // the same from schedstat (ns) when readable, else ticks: what the comparisons use
	outBitrate float64  // bits/s the sink received per output
	encode     float64  // roomcast: encode seconds per second (audio only while video passes through)
	dropped    float64  // roomcast: units the outputs dropped in the window
	reconnects float64  // roomcast: output reconnections in the window
	latency    []bucket // roomcast: RTP arrival → RTMP write in the window
	latMean    float64  // roomcast: its exact mean (Δ_sum / Δ_count), seconds
}

// BenchmarkFanout measures fanning one 1280x720 H.264 + audio source out
// to 1 and 10 RTMP targets: the CPU of the roomcast serve process (its
// own process_cpu_seconds_total) against that of an nginx-rtmp process
// doing the same with push directives (/proc/<pid>/stat), both also read
// from the scheduler's nanosecond accounting (schedstat), which the
// comparison uses since nginx's share is a few clock ticks per window;
// and the latency roomcast adds (its roomcast_egress_rtmp_latency_seconds
// histogram). Both sides send to an nginx-rtmp sink that records nothing;
// only the relaying process is measured, never the feed or the sink.
// ROOMCAST_BENCH_WINDOW sets the window per case (default 15s).
func BenchmarkFanout(b *testing.B) {
	window := fanoutWindow(b)
	var rc, ng []fanoutRow
	b.Run("roomcast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rc = benchRoomcastFanout(b, window)
		}
		reportFanout(b, rc, true)
	})
	b.Run("nginx-push", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ng = benchNginxFanout(b, window)
		}
		reportFanout(b, ng, false)
	})
	printFanoutTable(os.Stderr, window, rc, ng)
}

func fanoutWindow(b *testing.B) time.Duration {
	v := os.Getenv(fanoutWindowEnv)
	if v == "" {
		return 15 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		b.Fatalf("%s=%q: want a duration of at least 1s", fanoutWindowEnv, v)
	}
	return d
}

// egressJob is GET /v1/egress/{id}.
type egressJob struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Outputs struct {
		RTMP []struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Error string `json:"error"`
		} `json:"rtmp"`
	} `json:"outputs"`
}

func (j egressJob) allLive(n int) bool {
	if j.Status != "active" || len(j.Outputs.RTMP) != n {
		return false
	}
	for _, o := range j.Outputs.RTMP {
		if o.State != "live" {
			return false
		}
	}
	return true
}

func getJob(b *testing.B, s *harness.Server, id string) egressJob {
	b.Helper()
	var j egressJob
	if code := s.Do(b, "GET", "/v1/egress/"+id, nil, &j); code != http.StatusOK {
		b.Fatalf("get egress %s: status %d", id, code)
	}
	return j
}

// benchRoomcastFanout runs one server, room and publisher for all cases,
// one egress job per case.
func benchRoomcastFanout(b *testing.B, window time.Duration) []fanoutRow {
	pubs := newPublishLog(b)
	sink := startNginx(b, pubs.url(), true, nginxApp{name: "live"})
	// Debug logging (the harness default) is not what a deployment runs.
	s := harness.StartServer(b, roomcastBinary(b), "ROOMCAST_LOG_LEVEL=info")
	s.CreateRoom(b, "bench")
	span := time.Duration(len(fanoutOutputs))*(window+time.Minute) + time.Minute
	pub := s.StartPublisherSize(b, "bench", "host", "h264", fanoutWidth, fanoutHeight, span)
	serve, err := childPid("serve")
	if err != nil {
		b.Logf("schedstat of roomcast serve not available: %v", err)
	}
	harness.Eventually(b, 90*time.Second, "publisher's tracks in the room", func() bool {
		info := s.RoomInfo(b, "bench")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	var rows []fanoutRow
	for _, n := range fanoutOutputs {
		var job egressJob
		if n > 0 {
			urls, names := make([]string, n), make([]string, n)
			for k := range urls {
				name := fmt.Sprintf("rc%d-%d", n, k)
				urls[k], names[k] = sink.url("live", name), "live/"+name
			}
			body := map[string]any{
				"room": "bench", "layout": "speaker",
				"video": map[string]int{"width": fanoutWidth, "height": fanoutHeight,
					"fps": fanoutFPS, "bitrate_kbps": 2500},
				"outputs": map[string]any{"rtmp": urls},
			}
			if code := s.Do(b, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
				b.Fatalf("start egress to %d targets: status %d %+v", n, code, job)
			}
			harness.Eventually(b, 45*time.Second, fmt.Sprintf("%d outputs live", n), func() bool {
				job = getJob(b, s, job.ID)
				if job.Status == "failed" || job.Status == "complete" {
					b.Fatalf("egress ended: %+v\n%s", job, s.Output())
				}
				return job.allLive(n) && pubs.has(names...)
			})
		}
		if _, err := pub.WaitErr(10 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "did not end") {
			b.Fatalf("publisher ended early: %v", err)
		}
		time.Sleep(fanoutSettle)
		e0, err0 := procRuntime(serve)
		m0, k0 := scrape(b, s.URL), sink.stat(b)
		time.Sleep(window)
		e1, err1 := procRuntime(serve)
		m1, k1 := scrape(b, s.URL), sink.stat(b)
		row := fanoutRow{outputs: n, wall: m1.at.Sub(m0.at)}
		sec := row.wall.Seconds()
		row.ticks = delta(b, m0, m1, "process_cpu_seconds_total", nil) / sec
		row.setExact(e1-e0, serve != 0 && err0 == nil && err1 == nil)
		if n > 0 {
			match := map[string]string{"egress": job.ID}
			row.outBitrate = 8 * float64(k1.BytesIn-k0.BytesIn) / k1.at.Sub(k0.at).Seconds() / float64(n)
			row.encode = delta(b, m0, m1, "roomcast_egress_encode_seconds_total", match) / sec
			row.dropped = delta(b, m0, m1, "roomcast_egress_output_dropped_frames_total", match)
			row.reconnects = delta(b, m0, m1, "roomcast_egress_output_reconnects_total", match)
			lat, err := histDelta(m0.histogram(latencyMetric), m1.histogram(latencyMetric))
			if err != nil {
				b.Fatal(err)
			}
			if len(lat) == 0 || lat[len(lat)-1].count == 0 {
				b.Fatalf("%d outputs: no %s observation in the window: the video was not passed through", n, latencyMetric)
			}
			row.latency = lat
			row.latMean = delta(b, m0, m1, latencyMetric+"_sum", nil) / lat[len(lat)-1].count
			if j := getJob(b, s, job.ID); !j.allLive(n) {
				b.Fatalf("%d outputs: not all live at the end of the window: %+v", n, j)
			}
			var stopped egressJob
			if code := s.Do(b, "DELETE", "/v1/egress/"+job.ID, nil, &stopped); code != http.StatusOK {
				b.Fatalf("stop egress: status %d", code)
			}
		}
		fmt.Fprintf(os.Stderr, "fanout roomcast %2d outputs: %5.1f%% of one core (ticks %.1f%%)", n, 100*row.cpu, 100*row.ticks)
		if n > 0 {
			fmt.Fprintf(os.Stderr, ", %.2f Mbit/s per output, latency p50 %s p99 %s mean %.1fms",
				row.outBitrate/1e6, fmtMs(quantile(0.5, row.latency)), fmtMs(quantile(0.99, row.latency)), 1000*row.latMean)
		}
		fmt.Fprintln(os.Stderr)
		rows = append(rows, row)
	}
	return rows
}

// setExact records the schedstat CPU time used over the row's window and
// picks what the comparisons use.
func (r *fanoutRow) setExact(d time.Duration, ok bool) {
	r.cpu = r.ticks
	if ok {
		r.cpu = d.Seconds() / r.wall.Seconds()
	}
}

// delta is how much the sum of the series called name (with labels
// match) grew between two scrapes; it fails when there is none.
func delta(b *testing.B, m0, m1 promSnapshot, name string, match map[string]string) float64 {
	b.Helper()
	v0, _ := m0.sum(name, match)
	v1, n := m1.sum(name, match)
	if n == 0 {
		b.Fatalf("/metrics has no %s %v", name, match)
	}
	return v1 - v0
}

// benchNginxFanout runs one relaying nginx with an application per case
// (push0 pushes nowhere, push1 once, push10 ten times to the sink) and an
// ffmpeg feed per case.
func benchNginxFanout(b *testing.B, window time.Duration) []fanoutRow {
	clip := feedClip(b)
	pubs := newPublishLog(b)
	sink := startNginx(b, pubs.url(), true, nginxApp{name: "live"})
	apps := make([]nginxApp, len(fanoutOutputs))
	for i, n := range fanoutOutputs {
		apps[i].name = fmt.Sprintf("push%d", n)
		for k := range n {
			apps[i].push = append(apps[i].push, sink.url("live", fmt.Sprintf("ng%d-%d", n, k)))
		}
	}
	relay := startNginx(b, pubs.url(), false, apps...)
	var rows []fanoutRow
	for i, n := range fanoutOutputs {
		feed := startFeed(b, clip, relay.url(apps[i].name, "src"))
		names := []string{apps[i].name + "/src"}
		for k := range n {
			names = append(names, fmt.Sprintf("live/ng%d-%d", n, k))
		}
		harness.Eventually(b, 30*time.Second, fmt.Sprintf("feed and %d pushes published", n), func() bool {
			feed.checkRunning(b)
			return pubs.has(names...)
		})
		time.Sleep(fanoutSettle)
		k0 := sink.stat(b)
		e0, err0 := procRuntime(relay.pid())
		c0, t0, err := procCPU(relay.pid())
		if err != nil {
			b.Fatal(err)
		}
		time.Sleep(window)
		e1, err1 := procRuntime(relay.pid())
		c1, t1, err := procCPU(relay.pid())
		if err != nil {
			b.Fatal(err)
		}
		k1 := sink.stat(b)
		feed.checkRunning(b)
		feed.stop()
		row := fanoutRow{outputs: n, wall: t1.Sub(t0)}
		row.ticks = (c1 - c0).Seconds() / row.wall.Seconds()
		row.setExact(e1-e0, err0 == nil && err1 == nil)
		if n > 0 {
			row.outBitrate = 8 * float64(k1.BytesIn-k0.BytesIn) / k1.at.Sub(k0.at).Seconds() / float64(n)
		}
		fmt.Fprintf(os.Stderr, "fanout nginx-rtmp push %2d outputs: %5.1f%% of one core (ticks %.1f%%)", n, 100*row.cpu, 100*row.ticks)
		if n > 0 {
			fmt.Fprintf(os.Stderr, ", %.2f Mbit/s per output", row.outBitrate/1e6)
		}
		fmt.Fprintln(os.Stderr)
		rows = append(rows, row)
	}
	return rows
}

// feedClip encodes a 3 s loop like the one `roomcast publish` sends
// (room/synth's videoSpec: testsrc2, libx264 baseline, zerolatency, no
// B-frames, a keyframe every second), in MP4 so ffmpeg can loop it with
// -c:v copy: the nginx side gets the same kind of bitstream, and no encoder
// competes with the process being measured.
func feedClip(b *testing.B) string {
	b.Helper()
	clip := filepath.Join(b.TempDir(), "clip.mp4")
	gop := strconv.Itoa(fanoutFPS)
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", fanoutWidth, fanoutHeight, fanoutFPS),
		"-frames:v", strconv.Itoa(3*fanoutFPS), "-an",
		"-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency",
		"-bf", "0", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-f", "mp4", clip)
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

func rowFor(rows []fanoutRow, n int) (fanoutRow, bool) {
	for _, r := range rows {
		if r.outputs == n {
			return r, true
		}
	}
	return fanoutRow{}, false
}

// reportFanout reports the key numbers of one side as benchmark metrics.
func reportFanout(b *testing.B, rows []fanoutRow, latency bool) {
	base, ok := rowFor(rows, 0)
	for _, r := range rows {
		b.ReportMetric(100*r.cpu, fmt.Sprintf("cpu-%%-%dout", r.outputs))
		if r.outputs == 0 {
			continue
		}
		if ok {
			b.ReportMetric(100*(r.cpu-base.cpu)/float64(r.outputs), fmt.Sprintf("cpu-%%/output-%dout", r.outputs))
		}
		if one, ok := rowFor(rows, 1); ok && r.outputs > 1 {
			b.ReportMetric(100*(r.cpu-one.cpu)/float64(r.outputs-1), fmt.Sprintf("cpu-%%/extra-output-%dout", r.outputs))
		}
		if latency {
			if q := quantile(0.5, r.latency); !math.IsNaN(q.value) {
				b.ReportMetric(1000*q.value, fmt.Sprintf("p50-ms-%dout", r.outputs))
			}
			if q := quantile(0.99, r.latency); !math.IsNaN(q.value) {
				b.ReportMetric(1000*q.value, fmt.Sprintf("p99-ms-%dout", r.outputs))
			}
		}
	}
}

func fmtMs(q quantileEst) string {
	switch {
	case math.IsNaN(q.value):
		return "-"
	case q.overflow:
		return fmt.Sprintf(">%.0fms", 1000*q.value)
	}
	return fmt.Sprintf("%.1fms", 1000*q.value)
}

func fmtBucket(q quantileEst) string {
	if math.IsNaN(q.value) {
		return "-"
	}
	return fmt.Sprintf("[%.1f, %.1f] ms", 1000*q.lo, 1000*q.hi)
}

// printFanoutTable prints both sides side by side.
func printFanoutTable(w io.Writer, window time.Duration, rc, ng []fanoutRow) {
	if len(rc) == 0 && len(ng) == 0 {
		return
	}
	fmt.Fprintf(w, "\nfan-out of one H.264 %dx%d@%d + AAC source to RTMP targets on an nginx-rtmp sink (127.0.0.1), %s per row, %d CPUs\n",
		fanoutWidth, fanoutHeight, fanoutFPS, window, runtime.NumCPU())
	fmt.Fprintf(w, "CPU in %% of one core of the relaying process only: roomcast = `roomcast serve`, nginx = the pushing nginx (one process,\n")
	fmt.Fprintf(w, "  master_process off). \"CPU\" is scheduler time (/proc/<pid>/task/*/schedstat, ns) when readable, else ticks; \"ticks\" is\n")
	fmt.Fprintf(w, "  clock-tick accounting (roomcast: process_cpu_seconds_total from /metrics; nginx: /proc/<pid>/stat utime+stime), 10 ms steps.\n")
	fmt.Fprintf(w, "%-17s %7s %7s %7s %7s %9s %10s %10s %10s %10s %9s\n",
		"", "outputs", "CPU", "ticks", "+vs 0", "+/output", "Mbit/s/out", "p50", "p99", "mean", "latency n")
	side := func(label string, rows []fanoutRow, latency bool) {
		base, hasBase := rowFor(rows, 0)
		for _, r := range rows {
			plus, per, rate, p50, p99, mean, cnt := "-", "-", "-", "", "", "", ""
			if r.outputs > 0 {
				rate = fmt.Sprintf("%.2f", r.outBitrate/1e6)
				if hasBase {
					plus = fmt.Sprintf("%.2f", 100*(r.cpu-base.cpu))
					per = fmt.Sprintf("%.3f", 100*(r.cpu-base.cpu)/float64(r.outputs))
				}
				if latency {
					p50, p99 = fmtMs(quantile(0.5, r.latency)), fmtMs(quantile(0.99, r.latency))
					mean = fmt.Sprintf("%.1fms", 1000*r.latMean)
					cnt = fmt.Sprintf("%.0f", r.latency[len(r.latency)-1].count)
				}
			}
			fmt.Fprintf(w, "%-17s %7d %7.2f %7.2f %7s %9s %10s %10s %10s %10s %9s\n",
				label, r.outputs, 100*r.cpu, 100*r.ticks, plus, per, rate, p50, p99, mean, cnt)
		}
	}
	side("roomcast serve", rc, true)
	side("nginx-rtmp push", ng, false)

	r1, ok1 := rowFor(rc, 1)
	r10, ok10 := rowFor(rc, 10)
	n1, okn1 := rowFor(ng, 1)
	n10, okn10 := rowFor(ng, 10)
	r0, okr0 := rowFor(rc, 0)
	n0, okn0 := rowFor(ng, 0)
	if ok10 && okn10 {
		fmt.Fprintf(w, "1→10: roomcast %.2f %%core vs nginx-rtmp push %.2f %%core: %s",
			100*r10.cpu, 100*n10.cpu, ratio(r10.cpu, n10.cpu))
		if okr0 && okn0 {
			fmt.Fprintf(w, "; above taking the source in alone: %.2f vs %.2f %%core: %s",
				100*(r10.cpu-r0.cpu), 100*(n10.cpu-n0.cpu), ratio(r10.cpu-r0.cpu, n10.cpu-n0.cpu))
		}
		fmt.Fprintln(w)
	}
	if ok1 && ok10 && okn1 && okn10 {
		rm, nm := (r10.cpu-r1.cpu)/9, (n10.cpu-n1.cpu)/9
		fmt.Fprintf(w, "each output beyond the first ((10 out − 1 out) / 9): roomcast %.3f %%core, nginx-rtmp push %.3f %%core: %s\n",
			100*rm, 100*nm, ratio(rm, nm))
	}
	if okr0 {
		fmt.Fprintf(w, "roomcast's 0-output row is the WebRTC ingest of the publisher; its 1-output row adds the egress job itself\n")
		fmt.Fprintf(w, "  (its own WebRTC subscription, audio mix and AAC encode: once per job, not per output).\n")
	}
	for _, r := range rc {
		if r.outputs == 0 {
			continue
		}
		fmt.Fprintf(w, "roomcast %d out: encode %.1f %%core (audio only: video passed through), %.0f units dropped, %.0f reconnects in the window\n",
			r.outputs, 100*r.encode, r.dropped, r.reconnects)
	}
	if len(rc) > 0 {
		fmt.Fprintf(w, "latency = RTP arrival at the egress job's ingest → RTMP write of passed-through video, one observation per unit and output,\n")
		fmt.Fprintf(w, "  from %s; caveat: its buckets start at 5 ms and grow ×1.5, quantiles are linearly\n", latencyMetric)
		fmt.Fprintf(w, "  interpolated inside a bucket, so the true value is only known to lie in that bucket (the mean, Δ_sum/Δ_count, is exact):\n")
		for _, r := range rc {
			if r.outputs > 0 {
				fmt.Fprintf(w, "  %d out: p50 in %s, p99 in %s\n", r.outputs,
					fmtBucket(quantile(0.5, r.latency)), fmtBucket(quantile(0.99, r.latency)))
			}
		}
		fmt.Fprintf(w, "  Most of it is deliberate: the composite layout runs its output LayoutConfig.Latency (500 ms by default) behind\n")
		fmt.Fprintf(w, "  the newest input to absorb jitter and late tracks, and passed-through video waits for it like the rest.\n")
	}
	fmt.Fprintf(w, "Mbit/s/out: bytes the sink nginx received (rtmp_stat bytes_in) over the window / outputs, for both sides.\n")
	if len(ng) > 0 {
		fmt.Fprintf(w, "nginx feed: ffmpeg -re looping a clip encoded like roomcast publish's (libx264 baseline, 1 s GOP) with -c:v copy\n")
		fmt.Fprintf(w, "  + AAC 128k; its CPU and the sink's are not counted.\n")
	}
	fmt.Fprintln(w)
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "ratio n/a"
	}
	return fmt.Sprintf("%.1f×", a/b)
}
