package bench

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
)

// The fan-out benchmark: one H.264 source sent to 0, 1, 10 (and 20) RTMP
// targets, by roomcast (a room, an egress job passing the video through)
// and by nginx-rtmp's push (one nginx relaying an RTMP publish), both fed
// the same clip.
const (
	// fanoutSettle passes after every output is live and before the
	// window opens, so connection set-up and the first GOP stay out.
	fanoutSettle = 3 * time.Second
	// fanoutWarmup passes once more after the job starts: its first
	// seconds pass video with more latency (p99 350 ms against 132 ms in
	// the first 1-output window of a run), which is not what an output
	// costs.
	fanoutWarmup = 20 * time.Second
	// fanoutWindowEnv overrides the measuring window (a Go duration).
	fanoutWindowEnv = "ROOMCAST_BENCH_WINDOW"
	// fanoutRoundsEnv overrides how many times each output count is
	// measured on each side (default fanoutRounds).
	fanoutRoundsEnv = "ROOMCAST_BENCH_ROUNDS"
	// fanoutRounds: an output costs a few hundredths of a percent of a
	// core, and a window of the whole process moves by several tenths
	// between identical windows on a shared 2-core VM, so each count is
	// measured in several windows spread over the run.
	fanoutRounds = 2
	// fanoutTries bounds the windows measured for one row.
	fanoutTries   = 3
	latencyMetric = "roomcast_egress_rtmp_latency_seconds"
)

// fanoutCase is one source format and the output counts measured with
// it: 0 is the cost of taking the source in with nothing sent out, the
// base the others are compared with.
type fanoutCase struct {
	name               string
	width, height, fps int
	kbps               int // the clip's video bitrate
	outputs            []int
}

// fanoutCases are the formats of issue 12's goals: 720p30 at 5 Mbit/s to
// 10 targets, 1080p30 at 8 Mbit/s to 20.
var fanoutCases = []fanoutCase{
	{name: "720p30-5M", width: 1280, height: 720, fps: 30, kbps: 5000, outputs: []int{0, 1, 10, 20}},
	{name: "1080p30-8M", width: 1920, height: 1080, fps: 30, kbps: 8000, outputs: []int{0, 1, 10, 20}},
}

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

// BenchmarkFanout measures fanning one H.264 + audio source out to 1, 10
// and 20 RTMP targets, per case of fanoutCases (-bench Fanout/720p30 runs
// one): the CPU of the roomcast serve process (its
// own process_cpu_seconds_total) against that of an nginx-rtmp process
// doing the same with push directives (/proc/<pid>/stat), both also read
// from the scheduler's nanosecond accounting (schedstat), which the
// comparison uses since nginx's share is a few clock ticks per window;
// and the latency roomcast adds (its roomcast_egress_rtmp_latency_seconds
// histogram). Both sides send to an nginx-rtmp sink that records nothing;
// only the relaying process is measured, never the feed or the sink.
// ROOMCAST_BENCH_WINDOW sets the window per case (default 30s): an
// output costs a few hundredths of a percent of a core, so the windows
// are long, and the per-output cost is the slope over 1, 10 and 20
// outputs at both sizes.
func BenchmarkFanout(b *testing.B) {
	window, rounds := fanoutWindow(b), fanoutRoundCount(b)
	for _, c := range fanoutCases {
		b.Run(c.name, func(b *testing.B) {
			clip := feedClip(b, c)
			var rc, ng, fl, al fanoutSide
			for _, side := range []struct {
				name    string
				run     func(*testing.B, fanoutCase, string, time.Duration, int) fanoutSide
				into    *fanoutSide
				latency bool
			}{
				{"roomcast", benchRoomcastFanout, &rc, true},
				{"nginx-push", benchNginxFanout, &ng, false},
				{"floor", benchFloorFanout, &fl, false},
				{"alone", benchAloneFanout, &al, false},
			} {
				b.Run(side.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						*side.into = side.run(b, c, clip, window, rounds)
					}
					reportFanout(b, side.into.rows, side.latency)
				})
			}
			printFanoutTable(os.Stderr, c, window, rc, ng, fl, al)
		})
	}
}

// fanoutSide is one side's measurements of a case: every window, and
// per output count their mean.
type fanoutSide struct {
	rows    []fanoutRow // per count, the mean of its windows
	windows []fanoutRow // every window, in the order measured
}

// newFanoutSide averages windows per count, in the order of counts.
func newFanoutSide(counts []int, windows []fanoutRow) fanoutSide {
	s := fanoutSide{windows: windows}
	for _, n := range counts {
		var of []fanoutRow
		for _, w := range windows {
			if w.outputs == n {
				of = append(of, w)
			}
		}
		if len(of) > 0 {
			s.rows = append(s.rows, meanRow(of))
		}
	}
	return s
}

func fanoutRoundCount(b *testing.B) int {
	v := os.Getenv(fanoutRoundsEnv)
	if v == "" {
		return fanoutRounds
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a count of at least 1", fanoutRoundsEnv, v)
	}
	return n
}

func fanoutWindow(b *testing.B) time.Duration {
	v := os.Getenv(fanoutWindowEnv)
	if v == "" {
		return 30 * time.Second
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

// benchRoomcastFanout runs one server, room and publisher (sending clip
// as it is) and one egress job whose outputs go through the counts of
// fanoutSteps, one window per step. The 0-output window is the room
// alone, before the job starts.
func benchRoomcastFanout(b *testing.B, c fanoutCase, clip string, window time.Duration, rounds int) fanoutSide {
	pubs := newPublishLog(b)
	sink := startNginx(b, pubs.url(), true, nginxApp{name: "live"})
	// Debug logging (the harness default) is not what a deployment runs.
	s := harness.StartServer(b, roomcastBinary(b), "ROOMCAST_LOG_LEVEL=info")
	s.CreateRoom(b, "bench")
	steps := fanoutSteps(c.outputs, rounds)
	span := time.Duration(len(steps)+1)*(window+time.Minute) + time.Minute
	pub := s.StartPublisherArgs(b, "bench", "host", "--file", clip, "--codec", "h264",
		"--duration", span.String())
	serve, err := childPid("serve")
	if err != nil {
		b.Logf("schedstat of roomcast serve not available: %v", err)
	}
	harness.Eventually(b, 90*time.Second, "publisher's tracks in the room", func() bool {
		info := s.RoomInfo(b, "bench")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	r := &fanoutRun{b: b, c: c, s: s, sink: sink, pubs: pubs, pub: pub, serve: serve, window: window}
	windows := []fanoutRow{r.measure(0)}
	for i, n := range steps {
		r.setOutputs(n)
		if i == 0 {
			time.Sleep(fanoutWarmup)
		}
		windows = append(windows, r.measure(n))
	}
	var stopped egressJob
	if code := s.Do(b, "DELETE", "/v1/egress/"+r.job.ID, nil, &stopped); code != http.StatusOK {
		b.Fatalf("stop egress: status %d", code)
	}
	return newFanoutSide(c.outputs, windows)
}

// fanoutSteps is the order in which the output counts above 0 are
// measured: one output, then each larger count followed by one output
// again, rounds times (1 10 1 20 1 10 1 20 1 for two rounds of 1, 10 and
// 20). Every window of a larger count then has a window of one output
// next to it on either side, and the difference to their mean is the
// cost of the extra outputs whatever the machine drifts by over the run
// (a window of the whole process moves by a percent of a core from one
// minute to the next on a shared VM, as much as 20 outputs cost).
func fanoutSteps(outputs []int, rounds int) []int {
	steps := []int{1}
	for range rounds {
		for _, n := range outputs {
			if n > 1 {
				steps = append(steps, n, 1)
			}
		}
	}
	return steps
}

// fanoutRun is the roomcast side of one case.
type fanoutRun struct {
	b      *testing.B
	c      fanoutCase
	s      *harness.Server
	sink   *benchNginx
	pubs   *publishLog
	pub    *harness.Publisher
	serve  int
	window time.Duration
	job    egressJob
	added  int // outputs ever added, for their stream names
}

// setOutputs starts the job with n outputs, or adds or removes outputs
// until it has n, and waits until they are all live.
func (r *fanoutRun) setOutputs(n int) {
	b := r.b
	have := len(r.job.Outputs.RTMP)
	var names []string
	switch {
	case r.job.ID == "":
		urls := r.newURLs(n, &names)
		body := map[string]any{
			"room": "bench", "layout": "speaker",
			"video": map[string]int{"width": r.c.width, "height": r.c.height,
				"fps": r.c.fps, "bitrate_kbps": r.c.kbps},
			"outputs": map[string]any{"rtmp": urls},
		}
		if code := r.s.Do(b, "POST", "/v1/egress", body, &r.job); code != http.StatusCreated {
			b.Fatalf("start egress to %d targets: status %d %+v", n, code, r.job)
		}
	case n > have:
		r.patch(map[string]any{"add_rtmp": r.newURLs(n-have, &names)})
	case n < have:
		var ids []string
		for _, o := range r.job.Outputs.RTMP[n:] {
			ids = append(ids, o.ID)
		}
		r.patch(map[string]any{"remove_rtmp": ids})
	}
	harness.Eventually(b, 45*time.Second, fmt.Sprintf("%d outputs live", n), func() bool {
		r.job = getJob(b, r.s, r.job.ID)
		if r.job.Status == "failed" || r.job.Status == "complete" {
			b.Fatalf("egress ended: %+v\n%s", r.job, r.s.Output())
		}
		return r.job.allLive(n) && r.pubs.has(names...)
	})
}

// newURLs returns k new sink URLs, adding their stream names to names.
func (r *fanoutRun) newURLs(k int, names *[]string) []string {
	urls := make([]string, k)
	for i := range urls {
		name := fmt.Sprintf("rc-%d", r.added)
		r.added++
		urls[i], *names = r.sink.url("live", name), append(*names, "live/"+name)
	}
	return urls
}

func (r *fanoutRun) patch(body map[string]any) {
	if code := r.s.Do(r.b, "PATCH", "/v1/egress/"+r.job.ID, body, &r.job); code != http.StatusOK {
		r.b.Fatalf("patch egress %v: status %d", body, code)
	}
}

// measure settles and measures one row with n outputs: again, up to
// fanoutTries windows, when the outputs carried under 80 % of the clip's
// bitrate (on a shared machine the publisher sometimes falls behind for
// a window, and such a row says nothing about the fan-out).
func (r *fanoutRun) measure(n int) fanoutRow {
	b := r.b
	if _, err := r.pub.WaitErr(10 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "did not end") {
		b.Fatalf("publisher ended early: %v", err)
	}
	time.Sleep(fanoutSettle)
	if n > 0 {
		waitPassthrough(b, r.s.URL, n, r.c.fps)
	}
	var row fanoutRow
	for try := 1; ; try++ {
		row = measureRoomcastRow(b, r.s, r.sink, r.serve, r.job.ID, n, r.window)
		if n == 0 || row.outBitrate >= 0.8*float64(r.c.kbps)*1000 || try == fanoutTries {
			break
		}
		fmt.Fprintf(os.Stderr, "fanout %s roomcast %d outputs: %.2f Mbit/s per output, under 80%% of the clip's: measuring again\n",
			r.c.name, n, row.outBitrate/1e6)
	}
	if n > 0 {
		if j := getJob(b, r.s, r.job.ID); !j.allLive(n) {
			b.Fatalf("%d outputs: not all live at the end of the window: %+v", n, j)
		}
	}
	fmt.Fprintf(os.Stderr, "fanout %s roomcast %2d outputs: %5.1f%% of one core (ticks %.1f%%)", r.c.name, n, 100*row.cpu, 100*row.ticks)
	if n > 0 {
		fmt.Fprintf(os.Stderr, ", %.2f Mbit/s per output, latency p50 %s p99 %s mean %.1fms",
			row.outBitrate/1e6, fmtMs(quantile(0.5, row.latency)), fmtMs(quantile(0.99, row.latency)), 1000*row.latMean)
	}
	fmt.Fprintln(os.Stderr)
	return row
}

// meanRow averages rows of one output count, weighting each by its window.
func meanRow(rows []fanoutRow) fanoutRow {
	m := fanoutRow{outputs: rows[0].outputs}
	var lat float64
	for _, r := range rows {
		w := r.wall.Seconds()
		m.wall += r.wall
		m.ticks += r.ticks * w
		m.cpu += r.cpu * w
		m.outBitrate += r.outBitrate * w
		m.encode += r.encode * w
		m.dropped += r.dropped
		m.reconnects += r.reconnects
		if len(r.latency) > 0 {
			n := r.latency[len(r.latency)-1].count
			m.latMean, lat = m.latMean+r.latMean*n, lat+n
			m.latency = addBuckets(m.latency, r.latency)
		}
	}
	sec := m.wall.Seconds()
	m.ticks, m.cpu, m.outBitrate, m.encode = m.ticks/sec, m.cpu/sec, m.outBitrate/sec, m.encode/sec
	if lat > 0 {
		m.latMean /= lat
	}
	return m
}

// addBuckets adds the counts of b to those of a (same bounds).
func addBuckets(a, b []bucket) []bucket {
	if a == nil {
		return slices.Clone(b)
	}
	for i := range a {
		a[i].count += b[i].count
	}
	return a
}

// measureRoomcastRow measures one window of the roomcast serve process
// (pid serve) running job with n outputs to sink.
func measureRoomcastRow(b *testing.B, s *harness.Server, sink *benchNginx, serve int, job string, n int, window time.Duration) fanoutRow {
	b.Helper()
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
		match := map[string]string{"egress": job}
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
	}
	return row
}

// waitPassthrough waits until the job passes the publisher's video
// through to all n outputs (latency observations at ≥ 80 % of fps per
// output and second): a job composites, and encodes, until the first
// keyframe of the participant arrives, and at 1080p on a busy machine
// that can outlast fanoutSettle.
func waitPassthrough(b *testing.B, url string, n, fps int) {
	b.Helper()
	count := func() (float64, time.Time) {
		m := scrape(b, url)
		v, _ := m.sum(latencyMetric+"_count", nil)
		return v, m.at
	}
	c0, t0 := count()
	for end := time.Now().Add(45 * time.Second); time.Now().Before(end); {
		time.Sleep(time.Second)
		c1, t1 := count()
		if (c1-c0)/t1.Sub(t0).Seconds() >= 0.8*float64(fps*n) {
			return
		}
		c0, t0 = c1, t1
	}
	b.Fatalf("%d outputs: the video was not passed through within 45s", n)
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

// benchNginxFanout runs one relaying nginx with an application per
// output count (push0 pushes nowhere, push1 once, push10 ten times to the
// sink) and an ffmpeg feed of clip per window, the counts in the order
// of fanoutSteps after one window of none.
func benchNginxFanout(b *testing.B, c fanoutCase, clip string, window time.Duration, rounds int) fanoutSide {
	pubs := newPublishLog(b)
	sink := startNginx(b, pubs.url(), true, nginxApp{name: "live"})
	apps := make([]nginxApp, len(c.outputs))
	for i, n := range c.outputs {
		apps[i].name = fmt.Sprintf("push%d", n)
		for k := range n {
			apps[i].push = append(apps[i].push, sink.url("live", fmt.Sprintf("ng%d-%d", n, k)))
		}
	}
	relay := startNginx(b, pubs.url(), false, apps...)
	var rows []fanoutRow
	for _, n := range append([]int{0}, fanoutSteps(c.outputs, rounds)...) {
		i := slices.Index(c.outputs, n)
		names := []string{apps[i].name + "/src"}
		for k := range n {
			names = append(names, fmt.Sprintf("live/ng%d-%d", n, k))
		}
		pubs.forget(names...) // published in an earlier round
		feed := startFeed(b, clip, relay.url(apps[i].name, "src"))
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
		fmt.Fprintf(os.Stderr, "fanout %s nginx-rtmp push %2d outputs: %5.1f%% of one core (ticks %.1f%%)", c.name, n, 100*row.cpu, 100*row.ticks)
		if n > 0 {
			fmt.Fprintf(os.Stderr, ", %.2f Mbit/s per output", row.outBitrate/1e6)
		}
		fmt.Fprintln(os.Stderr)
		rows = append(rows, row)
	}
	return newFanoutSide(c.outputs, rows)
}
