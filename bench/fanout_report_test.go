package bench

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"testing"
	"time"
)

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
func printFanoutTable(w io.Writer, c fanoutCase, window time.Duration, rcs, ngs, fls, als fanoutSide) {
	rc, ng := rcs.rows, ngs.rows
	if len(rc) == 0 && len(ng) == 0 && len(fls.rows) == 0 && len(als.rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nfan-out of one H.264 %dx%d@%d %d kbit/s + audio source to RTMP targets on an nginx-rtmp sink (127.0.0.1), %s per row, %d CPUs\n",
		c.width, c.height, c.fps, c.kbps, window, runtime.NumCPU())
	fmt.Fprintf(w, "CPU in %% of one core of the relaying process only: roomcast = `roomcast serve`, nginx = the pushing nginx (one process,\n")
	fmt.Fprintf(w, "  master_process off). \"CPU\" is scheduler time (/proc/<pid>/task/*/schedstat, ns) when readable, else ticks; \"ticks\" is\n")
	fmt.Fprintf(w, "  clock-tick accounting (roomcast: process_cpu_seconds_total from /metrics; nginx: /proc/<pid>/stat utime+stime), 10 ms steps.\n")
	fmt.Fprintf(w, "Each row is the mean of the windows of its count (every window is listed below the table).\n")
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
	side("roomcast outputs", als.rows, false)
	side("floor (writes)", fls.rows, false)
	printWindows(w, "roomcast serve", rcs)
	printWindows(w, "nginx-rtmp push", ngs)
	printWindows(w, "roomcast outputs", als)
	printWindows(w, "floor (writes)", fls)

	printFanoutRatios(w, c, rcs, ngs)
	printAlone(w, c, als, ngs)
	printFloor(w, c, []namedSide{{"roomcast serve", rcs}, {"roomcast outputs alone", als}, {"nginx-rtmp push", ngs}}, rcs, fls)
	_, okr0 := rowFor(rc, 0)
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
		fmt.Fprintf(w, "  Passed-through video leaves as it comes; the output interleaves it with the audio, which goes through the\n")
		fmt.Fprintf(w, "  mix and the AAC encoder (about 100 ms), so the video waits for the audio of the same time (BenchmarkLatency\n")
		fmt.Fprintf(w, "  measures the added latency per mode with a finer histogram).\n")
	}
	fmt.Fprintf(w, "Mbit/s/out: bytes the sink nginx received (rtmp_stat bytes_in) over the window / outputs, for both relays;\n")
	fmt.Fprintf(w, "  for the floor, bytes its sink read.\n")
	if len(als.rows) > 0 {
		fmt.Fprintf(w, "roomcast outputs alone: the fan-out and RTMP outputs of a passthrough job, built as the egress builds them, fed the\n")
		fmt.Fprintf(w, "  clip's H.264 and AAC 128k at its pace in a process that does nothing else (no ingest, no audio encode), to an\n")
		fmt.Fprintf(w, "  nginx-rtmp sink like the others'; measured as the relays are.\n")
	}
	if len(fls.rows) > 0 {
		fmt.Fprintf(w, "floor: a process that only writes each video frame of the clip (with its framing and a frame's time of AAC)\n")
		fmt.Fprintf(w, "  to N TCP connections, one write per frame and connection, at the clip's pace, to a sink that reads %d bytes\n", floorSinkRead)
		fmt.Fprintf(w, "  at a time as nginx-rtmp does; measured as the relays are (its threads' schedstat). What an output costs it is\n")
		fmt.Fprintf(w, "  the kernel's TCP send on this machine, which any relay pays.\n")
	}
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
	return fmt.Sprintf("%.2f×", a/b)
}

// printWindows lists the CPU of every window per output count, in the
// order measured: the spread between windows of one count is the noise
// the means and the slope average out.
func printWindows(w io.Writer, label string, s fanoutSide) {
	for _, r := range s.rows {
		fmt.Fprintf(w, "%s %2d out, every window (%% of a core):", label, r.outputs)
		for _, x := range s.windows {
			if x.outputs == r.outputs {
				fmt.Fprintf(w, " %.2f", 100*x.cpu)
			}
		}
		fmt.Fprintln(w)
	}
}

// printFanoutRatios prints issue 12's comparisons, each from rows of one
// run: per output beyond the first, roomcast against nginx-rtmp push
// ((n out − 1 out) / (n − 1)), and n outputs' total against one output's.
func printFanoutRatios(w io.Writer, c fanoutCase, rcs, ngs fanoutSide) {
	rc, ng := rcs.rows, ngs.rows
	r1, ok1 := rowFor(rc, 1)
	n1, okn1 := rowFor(ng, 1)
	r0, okr0 := rowFor(rc, 0)
	n0, okn0 := rowFor(ng, 0)
	for _, n := range c.outputs {
		if n < 2 {
			continue
		}
		rn, okr := rowFor(rc, n)
		nn, okn := rowFor(ng, n)
		if okr && okn {
			fmt.Fprintf(w, "%s 1→%d: roomcast %.2f %%core vs nginx-rtmp push %.2f %%core: %s", c.name, n,
				100*rn.cpu, 100*nn.cpu, ratio(rn.cpu, nn.cpu))
			if okr0 && okn0 {
				fmt.Fprintf(w, "; above taking the source in alone: %.2f vs %.2f %%core: %s",
					100*(rn.cpu-r0.cpu), 100*(nn.cpu-n0.cpu), ratio(rn.cpu-r0.cpu, nn.cpu-n0.cpu))
			}
			fmt.Fprintln(w)
		}
		if okr && ok1 && okn && okn1 {
			k := float64(n - 1)
			rm, nm := (rn.cpu-r1.cpu)/k, (nn.cpu-n1.cpu)/k
			fmt.Fprintf(w, "%s each output beyond the first ((%d out − 1 out) / %d): roomcast %.3f %%core, nginx-rtmp push %.3f %%core: %s (goal ≤ 1.5×)\n",
				c.name, n, n-1, 100*rm, 100*nm, ratio(rm, nm))
		}
		if okr && ok1 {
			fmt.Fprintf(w, "%s roomcast %d outputs' total / 1 output's: %.2f / %.2f %%core = %s (goal ≤ 1.1×)",
				c.name, n, 100*rn.cpu, 100*r1.cpu, ratio(rn.cpu, r1.cpu))
			if okn && okn1 {
				fmt.Fprintf(w, "; nginx-rtmp push: %s", ratio(nn.cpu, n1.cpu))
			}
			fmt.Fprintln(w)
		}
	}
	printPaired(w, c, rcs, ngs)
	rm, rse, okr := outputSlope(rcs.windows)
	nm, nse, okn := outputSlope(ngs.windows)
	if okr && okn {
		fmt.Fprintf(w, "%s each output beyond the first, least-squares slope of CPU over every window from 1 output up (%d and %d windows; ± its standard error): roomcast %.3f ± %.3f %%core, nginx-rtmp push %.3f ± %.3f %%core: %s (goal ≤ 1.5×)\n",
			c.name, countWindows(rcs.windows), countWindows(ngs.windows), 100*rm, 100*rse, 100*nm, 100*nse, ratio(rm, nm))
	}
}

func countWindows(rows []fanoutRow) (n int) {
	for _, r := range rows {
		if r.outputs >= 1 {
			n++
		}
	}
	return n
}

// outputSlope is the least-squares slope of the windows' CPU over their
// output counts, windows with at least one output: the cost of one
// output more, from every window rather than from two, and its standard
// error (0 with only two windows).
func outputSlope(rows []fanoutRow) (slope, stderr float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for _, r := range rows {
		if r.outputs < 1 {
			continue
		}
		x := float64(r.outputs)
		n, sx, sy, sxx, sxy = n+1, sx+x, sy+r.cpu, sxx+x*x, sxy+x*r.cpu
	}
	d := n*sxx - sx*sx
	if n < 2 || d == 0 {
		return 0, 0, false
	}
	slope = (n*sxy - sx*sy) / d
	if n > 2 {
		icept := (sy - slope*sx) / n
		var ssr float64
		for _, r := range rows {
			if r.outputs >= 1 {
				e := r.cpu - icept - slope*float64(r.outputs)
				ssr += e * e
			}
		}
		stderr = math.Sqrt(ssr / (n - 2) / (sxx - sx*sx/n))
	}
	return slope, stderr, true
}

// printPaired prints the cost of an output beyond the first from each
// window of n > 1 outputs against the 1-output windows beside it (see
// fanoutSteps), per n, for both sides: the comparison issue 12 asks for,
// with the drift of the machine between distant windows taken out.
func printPaired(w io.Writer, c fanoutCase, rcs, ngs fanoutSide) {
	rp, np := pairedPerOutput(rcs.windows), pairedPerOutput(ngs.windows)
	for _, n := range c.outputs {
		r, nn := rp[n], np[n]
		if len(r) == 0 || len(nn) == 0 {
			continue
		}
		rm, rse := meanSE(r)
		nm, nse := meanSE(nn)
		fmt.Fprintf(w, "%s each output beyond the first at %d outputs, each %d-output window against the mean of the 1-output windows beside it (%d and %d windows; mean ± standard error): roomcast %.3f ± %.3f %%core, nginx-rtmp push %.3f ± %.3f %%core: %s (goal ≤ 1.5×)\n",
			c.name, n, n, len(r), len(nn), 100*rm, 100*rse, 100*nm, 100*nse, ratio(rm, nm))
	}
}

// pairedPerOutput returns, per output count n > 1, for each window of n
// outputs: its CPU less the mean of the nearest 1-output windows before
// and after it, over n − 1.
func pairedPerOutput(windows []fanoutRow) map[int][]float64 {
	out := map[int][]float64{}
	for i, x := range windows {
		if x.outputs < 2 {
			continue
		}
		var base []float64
		for j := i - 1; j >= 0; j-- {
			if windows[j].outputs == 1 {
				base = append(base, windows[j].cpu)
				break
			}
		}
		for j := i + 1; j < len(windows); j++ {
			if windows[j].outputs == 1 {
				base = append(base, windows[j].cpu)
				break
			}
		}
		if len(base) == 0 {
			continue
		}
		b, _ := meanSE(base)
		out[x.outputs] = append(out[x.outputs], (x.cpu-b)/float64(x.outputs-1))
	}
	return out
}

// meanSE is the mean of xs and its standard error (0 for one value).
func meanSE(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
}

// namedSide is one side of the table with its label.
type namedSide struct {
	label string
	side  fanoutSide
}

// perExtra is a side's cost of an output beyond the first at n outputs:
// (n out − 1 out) / (n − 1).
func perExtra(s fanoutSide, n int) (float64, bool) {
	x1, ok1 := rowFor(s.rows, 1)
	xn, okn := rowFor(s.rows, n)
	if n < 2 || !ok1 || !okn {
		return 0, false
	}
	return (xn.cpu - x1.cpu) / float64(n-1), true
}

// printExtra starts a line with a side's perExtra at n and its paired
// estimate, and returns perExtra.
func printExtra(w io.Writer, c fanoutCase, label string, s fanoutSide, n int) (float64, bool) {
	m, ok := perExtra(s, n)
	if !ok {
		return 0, false
	}
	fmt.Fprintf(w, "%s %s: each output beyond the first ((%d out − 1 out) / %d): %.3f %%core", c.name, label, n, n-1, 100*m)
	if p := pairedPerOutput(s.windows)[n]; len(p) > 0 {
		pm, se := meanSE(p)
		fmt.Fprintf(w, " (paired: %.3f ± %.3f)", 100*pm, 100*se)
	}
	return m, true
}

// printSlope prints a side's least-squares cost per output.
func printSlope(w io.Writer, c fanoutCase, label string, s fanoutSide) {
	if m, se, ok := outputSlope(s.windows); ok {
		fmt.Fprintf(w, "%s %s: least-squares slope per output over its %d windows: %.3f ± %.3f %%core\n",
			c.name, label, countWindows(s.windows), 100*m, 100*se)
	}
}

// printAlone prints roomcast's outputs alone against nginx-rtmp push:
// the cost of an output beyond the first, per count.
func printAlone(w io.Writer, c fanoutCase, als, ngs fanoutSide) {
	for _, n := range c.outputs {
		am, ok := printExtra(w, c, "roomcast outputs alone", als, n)
		if !ok {
			continue
		}
		if nm, ok := perExtra(ngs, n); ok {
			fmt.Fprintf(w, "; nginx-rtmp push %.3f %%core: %s (goal ≤ 1.5×)", 100*nm, ratio(am, nm))
		}
		fmt.Fprintln(w)
	}
	printSlope(w, c, "roomcast outputs alone", als)
}

// printFloor compares each side's cost of an output beyond the first
// with the floor's, and prints the best "n outputs' total / 1 output's"
// a relay with roomcast's 1-output total could reach: its own base plus
// the floor's cost per output.
func printFloor(w io.Writer, c fanoutCase, sides []namedSide, rcs, fls fanoutSide) {
	r1, okr1 := rowFor(rcs.rows, 1)
	for _, n := range c.outputs {
		fm, ok := printExtra(w, c, "floor", fls, n)
		if !ok {
			continue
		}
		for _, s := range sides {
			if xm, ok := perExtra(s.side, n); ok {
				fmt.Fprintf(w, "; %s %s the floor", s.label, ratio(xm, fm))
			}
		}
		fmt.Fprintln(w)
		if okr1 && r1.cpu > 0 {
			k := float64(n - 1)
			fmt.Fprintf(w, "%s at the floor's cost per output, roomcast's %d outputs' total / 1 output's would be (%.2f + %d × %.3f) / %.2f = %s: the least any relay with this 1-output total reaches here (goal ≤ 1.1×)\n",
				c.name, n, 100*r1.cpu, n-1, 100*fm, 100*r1.cpu, ratio(r1.cpu+k*fm, r1.cpu))
		}
	}
	printSlope(w, c, "floor", fls)
}
