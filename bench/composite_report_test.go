package bench

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The composite benchmark's goals (the issue's).
const (
	goalCPURatio = 1.0                    // roomcast CPU ÷ ffmpeg's
	goalPeakRSS  = 200 << 20              // bytes
	goalP99      = 400 * time.Millisecond // added latency
	workerCores  = 2
)

func findRow(rows []compositeRow, name string) (compositeRow, bool) {
	for _, r := range rows {
		if r.name == name {
			return r, true
		}
	}
	return compositeRow{}, false
}

// feedOf returns the feeding-only row of r's inputs.
func feedOf(rows []compositeRow, r compositeRow) (compositeRow, bool) {
	for _, f := range rows {
		if len(f.canvases) == 0 && !f.ffmpeg && f.n == r.n && f.screen == r.screen {
			return f, true
		}
	}
	return compositeRow{}, false
}

// netCores is a roomcast row's CPU less the feeding's (reading the files,
// pacing): the compositor's own. ffmpeg's counts its demuxing.
func netCores(rows []compositeRow, r compositeRow) (float64, bool) {
	if r.ffmpeg {
		return r.use.cores(), true
	}
	f, ok := feedOf(rows, r)
	if !ok || len(r.canvases) == 0 {
		return 0, false
	}
	return r.use.cores() - f.use.cores(), true
}

// cpuRatio is roomcast's net CPU over ffmpeg's, like for like.
func cpuRatio(rows []compositeRow) (float64, bool) {
	rc, ok1 := findRow(rows, "roomcast-grid-10-nolabels")
	ff, ok2 := findRow(rows, "ffmpeg-grid-10")
	net, ok3 := netCores(rows, rc)
	if !ok1 || !ok2 || !ok3 || ff.use.cores() <= 0 {
		return 0, false
	}
	return net / ff.use.cores(), true
}

// roomsPerWorker is how many grid-10 rooms (labels on, as jobs run) a
// 2-core worker holds in real time, workerShare of its cores used.
func roomsPerWorker(rows []compositeRow) (int, float64, bool) {
	r, ok := findRow(rows, "roomcast-grid-10")
	net, ok2 := netCores(rows, r)
	if !ok || !ok2 || net <= 0 {
		return 0, 0, false
	}
	return int(math.Floor(workerCores * workerShare / net)), net, true
}

// renditionCost is what the 9:16 canvas adds: CPU (cores) and peak RSS.
func renditionCost(rows []compositeRow) (float64, int64, bool) {
	one, ok1 := findRow(rows, "roomcast-grid-10")
	two, ok2 := findRow(rows, "roomcast-grid-10+9x16")
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return two.use.cores() - one.use.cores(), two.use.maxRSS - one.use.maxRSS, true
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// reportComposite reports r's figures, and the summary figures its case
// completes.
// ffmpeg's figures are named ffmpeg-*, beside roomcast's in one step.
func reportComposite(b *testing.B, rows []compositeRow, r compositeRow) {
	if r.ffmpeg {
		b.ReportMetric(100*r.use.cores(), "ffmpeg-%core")
		b.ReportMetric(mb(r.use.maxRSS), "ffmpeg-peak-RSS-MB")
		b.ReportMetric(r.fps, "ffmpeg-out-fps")
		return
	}
	b.ReportMetric(100*r.use.cores(), "%core")
	b.ReportMetric(mb(r.use.maxRSS), "peak-RSS-MB")
	if net, ok := netCores(rows, r); ok {
		b.ReportMetric(100*net, "net-%core")
	}
	if len(r.canvases) > 0 {
		b.ReportMetric(r.fps, "out-fps")
	}
	if lat := r.res.Latency; len(lat) > 0 {
		b.ReportMetric(ms(pct(lat, 0.5)), "p50-ms")
		b.ReportMetric(ms(pct(lat, 0.99)), "p99-ms")
	}
	switch r.name {
	case "roomcast-grid-10-nolabels":
		if x, ok := cpuRatio(rows); ok {
			b.ReportMetric(x, "x-ffmpeg-cpu")
		}
	case "roomcast-grid-10":
		if n, _, ok := roomsPerWorker(rows); ok {
			b.ReportMetric(float64(n), "rooms/2-core-worker")
		}
	case "roomcast-grid-10+9x16":
		if cpu, _, ok := renditionCost(rows); ok {
			b.ReportMetric(100*cpu, "rendition-%core")
		}
	}
}

func printCompositeTable(w io.Writer, window time.Duration, rows []compositeRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\ncomposite: VP8 640x360 30 fps participants (WebM, Opus) → 1280x720 30 fps H.264 (libx264 veryfast, zerolatency,\n")
	fmt.Fprintf(w, "%d kbit/s CBR, IDR every 2 s) + AAC 128k, fed in real time; one process a case, %v window after %v, %d CPUs\n",
		compositeKbps, window, compositeWarmup, runtime.NumCPU())
	fmt.Fprintf(w, "%-27s %6s %6s %7s %6s %7s %7s %6s %7s %6s %6s %8s %7s %7s\n", "case", "%core", "net%", "RSS MB", "Go MB",
		"p50 ms", "p99 ms", "fps", "kbit/s", "enc%", "GC%", "alloc/s", "lag p99", "others")
	for _, r := range rows {
		printCompositeRow(w, rows, r, window)
	}
	printCompositeGoals(w, rows)
	_, _ = io.WriteString(w, compositeLegend)
	fmt.Fprintf(w, "  (%s=<dir> writes each roomcast child's Go CPU and allocation profiles there)\n\n", compositeProfileEnv)
}

func printCompositeRow(w io.Writer, rows []compositeRow, r compositeRow, window time.Duration) {
	dash := "—"
	net, goMem, p50, p99, fps, kbps, enc, gc, alloc, lag := dash, dash, dash, dash, dash, dash, dash, dash, dash, dash
	if n, ok := netCores(rows, r); ok && !r.ffmpeg {
		net = fmt.Sprintf("%.1f", 100*n)
	}
	if len(r.canvases) > 0 {
		fps = fmt.Sprintf("%.1f", r.fps)
	}
	if lat := r.res.Latency; len(lat) > 0 {
		p50, p99 = fmt.Sprintf("%.0f", ms(pct(lat, 0.5))), fmt.Sprintf("%.0f", ms(pct(lat, 0.99)))
	}
	if !r.ffmpeg {
		if len(r.canvases) > 0 {
			kbps = fmt.Sprintf("%.0f", float64(r.res.OutBytes)*8/1000/window.Seconds())
			enc = fmt.Sprintf("%.1f", 100*r.res.Encode.Seconds()/window.Seconds())
		}
		goMem = fmt.Sprintf("%.0f", mb(int64(r.res.GoMemBytes)))
		gc = fmt.Sprintf("%.1f", 100*r.res.GC.Seconds()/window.Seconds())
		alloc = fmt.Sprintf("%.0fMB", float64(r.res.AllocBytes)/1e6/window.Seconds())
		lag = fmt.Sprintf("%.0fms", ms(r.res.FeedLagP99))
	}
	mark := ""
	if r.noisy() {
		mark = " !"
	}
	fmt.Fprintf(w, "%-27s %6.1f %6s %7.1f %6s %7s %7s %6s %7s %6s %6s %8s %7s %6.0f%%%s\n", r.name, 100*r.use.cores(), net,
		mb(r.use.maxRSS), goMem, p50, p99, fps, kbps, enc, gc, alloc, lag, 100*r.use.otherCores(), mark)
}

func printCompositeGoals(w io.Writer, rows []compositeRow) {
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(w, "goals, 10 participants in a 1280x720 grid:\n")
	if x, ok := cpuRatio(rows); ok {
		rc, _ := findRow(rows, "roomcast-grid-10-nolabels")
		ff, _ := findRow(rows, "ffmpeg-grid-10")
		net, _ := netCores(rows, rc)
		fmt.Fprintf(w, "  CPU       roomcast %.1f %%core net (%.1f with its feeder) ÷ ffmpeg %.1f %%core = %.2f× (goal ≤ %.1f×): %s\n",
			100*net, 100*rc.use.cores(), 100*ff.use.cores(), x, goalCPURatio, verdict(x <= goalCPURatio))
		fmt.Fprintf(w, "            medians of %d alternating rounds; every round's %%core: roomcast %s, ffmpeg %s\n",
			len(rc.rounds), fmtRounds(rc.rounds), fmtRounds(ff.rounds))
	}
	if r, ok := findRow(rows, "roomcast-grid-10"); ok {
		fmt.Fprintf(w, "  peak RSS  roomcast %.0f MB (goal ≤ %d MB): %s; of it Go's heap and runtime %.0f MB",
			mb(r.use.maxRSS), goalPeakRSS>>20, verdict(r.use.maxRSS <= goalPeakRSS), mb(int64(r.res.GoMemBytes)))
		if ff, ok := findRow(rows, "ffmpeg-grid-10"); ok {
			fmt.Fprintf(w, "; ffmpeg %.0f MB", mb(ff.use.maxRSS))
		}
		fmt.Fprintln(w)
	}
	for _, name := range []string{"roomcast-grid-10", "roomcast-grid-10-hold200ms"} {
		r, ok := findRow(rows, name)
		if lat := r.res.Latency; ok && len(lat) > 0 {
			p99 := pct(lat, 0.99)
			fmt.Fprintf(w, "  latency   %s p99 %.0f ms added (goal ≤ %.0f ms): %s; p50 %.0f ms, max %.0f ms\n",
				name, ms(p99), ms(goalP99), verdict(p99 <= goalP99), ms(pct(lat, 0.5)), ms(pct(lat, 1)))
		}
	}
	if cpu, rss, ok := renditionCost(rows); ok {
		fmt.Fprintf(w, "  9:16      a 720x1280 grid rendition adds %.1f %%core and %.0f MB peak RSS\n", 100*cpu, mb(rss))
	}
	if n, net, ok := roomsPerWorker(rows); ok {
		fmt.Fprintf(w, "  capacity  composite rooms (grid-10, labels) per %d-core worker in real time: floor(%d × %.1f ÷ %.2f) = %d\n",
			workerCores, workerCores, workerShare, net, n)
	}
}

func fmtRounds(cores []float64) string {
	var s []string
	for _, c := range cores {
		s = append(s, fmt.Sprintf("%.1f", 100*c))
	}
	return strings.Join(s, " ")
}

const compositeLegend = `%core: the case's process, every thread (schedstat), over the window; 100 = one core. net%: less the
  feed-* case of the same inputs (reading IVF/Ogg, pacing, handing units to a handler that drops them);
  ffmpeg's own demuxing stays in its figure.
RSS MB: peak resident set of the process (wait4). Go MB: what the Go runtime holds at the window's end (heap and
  runtime); the rest of RSS is C (libav*, x264) and the shared libraries.
p50/p99: added latency, from when the newest input frame a picture shows was handed to the Layout to when its
  encoded unit came out. The Layout holds its output LayoutConfig.Latency behind the newest input by design:
  250 ms by default (composite.DefaultLatency), as the egress runs it; the hold200ms case sets 200 ms.
fps, kbit/s: the first canvas's output. enc%: Layout.EncodeTime (compose + encode). GC%, alloc/s: the child's Go
  runtime. lag p99: how late the feeder handed units over (a starved child). others: CPU the rest of the
  machine used during the window (noise). !: others ≥ 50% or lag p99 ≥ 50 ms (a single case is then run
  once more and the quieter run kept): that row shows the machine's load as much as roomcast's.
speaker: thumbnails on. presentation: participant 0 also shares a 1280x720 15 fps VP8 screen; 4 cameras at most.
+9x16: a 720x1280 grid rendition of the same Layout (LayoutConfig.Canvases): the participants decoded once,
  the second canvas composed and encoded once more.
reproduce: make bench, or go test -run '^$' -bench BenchmarkComposite -benchtime 1x -timeout 30m ./bench/
`
