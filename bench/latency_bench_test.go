package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc/rtctest"
	"github.com/roomcast/roomcast/room/synth"
	"github.com/roomcast/roomcast/test/harness"
)

// The latency benchmark: RTP arrival at the egress job's ingest → RTMP
// write, by path, from roomcast's roomcast_egress_latency_seconds{mode}.
const (
	latencyModeMetric = "roomcast_egress_latency_seconds"
	// latencyWindowEnv overrides the measuring window per case.
	latencyWindowEnv = "ROOMCAST_BENCH_LATENCY_WINDOW"
	// latencyBaselineEnv names a roomcast binary (say, built from main)
	// measured side by side with this tree's, case by case.
	latencyBaselineEnv = "ROOMCAST_BENCH_LATENCY_BASELINE"
	// latencyCasesEnv, when set, runs only the cases whose name contains it.
	latencyCasesEnv = "ROOMCAST_BENCH_LATENCY_CASES"
	latencySettle   = 8 * time.Second // past the layout's first 5 s at its maximum latency
	// The lossy case: every 50th SRTP packet the publisher sends dropped
	// (2 %), 25 ms added each way (50 ms RTT).
	latencyLossEvery = 50
	latencyOneWay    = 25 * time.Millisecond
)

// latencyCase is one job measured: its publishers and layout.
type latencyCase struct {
	name   string
	mode   string // the mode label measured
	goal   time.Duration
	layout string
	codec  string
	pubs   int
	lossy  bool // one in-process publisher behind a lossy, delaying socket
}

var latencyCases = []latencyCase{
	{name: "passthrough", mode: "passthrough", goal: 150 * time.Millisecond, layout: "speaker", codec: "h264", pubs: 1},
	{name: "passthrough 2% loss 50ms RTT", mode: "passthrough", goal: 300 * time.Millisecond, layout: "speaker", codec: "h264", pubs: 1, lossy: true},
	{name: "transcode VP8→H.264", mode: "transcode", goal: 300 * time.Millisecond, layout: "speaker", codec: "vp8", pubs: 1},
	{name: "composite grid of 3", mode: "composite", goal: 400 * time.Millisecond, layout: "grid", codec: "vp8", pubs: 3},
}

// latencyRow is one case measured on one binary.
type latencyRow struct {
	c        latencyCase
	binary   string // "this tree" or "baseline"
	p50, p99 quantileEst
	n        float64
	metric   string // the histogram read
}

// BenchmarkLatency measures the latency roomcast adds from a video
// frame's RTP arrival to its RTMP write, p50 and p99 over a window, for
// a passed-through H.264 camera (on loopback, and with 2 % loss and
// 50 ms RTT between publisher and room), a VP8 camera transcoded to
// H.264, and a grid of 3 VP8 cameras. With ROOMCAST_BENCH_LATENCY_BASELINE
// set to another roomcast binary, each case runs on both, one after the
// other, and the table shows their ratio. A baseline without the mode
// label is read from roomcast_egress_rtmp_latency_seconds (passthrough
// only). ROOMCAST_BENCH_LATENCY_WINDOW sets the window (default 15s),
// ROOMCAST_BENCH_LATENCY_CASES picks the cases whose name contains it.
func BenchmarkLatency(b *testing.B) {
	window := durationEnv(b, latencyWindowEnv, 15*time.Second)
	bins := []struct{ label, path string }{{"this tree", roomcastBinary(b)}}
	if base := os.Getenv(latencyBaselineEnv); base != "" {
		bins = append(bins, struct{ label, path string }{"baseline", base})
	}
	var rows []latencyRow
	for i := 0; i < b.N; i++ {
		rows = rows[:0]
		for _, c := range latencyCases {
			if only := os.Getenv(latencyCasesEnv); only != "" && !strings.Contains(c.name, only) {
				continue
			}
			for _, bin := range bins {
				r := runLatencyCase(b, bin.path, c, window)
				r.binary = bin.label
				fmt.Fprintf(os.Stderr, "latency %-30s %-9s p50 %s p99 %s (%.0f frames)\n", c.name, bin.label, fmtMs(r.p50), fmtMs(r.p99), r.n)
				rows = append(rows, r)
			}
		}
	}
	for _, r := range rows {
		if r.binary == "this tree" && !math.IsNaN(r.p99.value) {
			b.ReportMetric(1000*r.p99.value, "p99-ms-"+r.c.mode+lossSuffix(r.c))
		}
	}
	printLatencyTable(os.Stderr, window, rows)
}

func lossSuffix(c latencyCase) string {
	if c.lossy {
		return "-lossy"
	}
	return ""
}

func durationEnv(b *testing.B, env string, def time.Duration) time.Duration {
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		b.Fatalf("%s=%q: want a duration of at least 1s", env, v)
	}
	return d
}

// runLatencyCase starts a server, the case's publishers and one egress
// job to an nginx-rtmp sink, and reads the latency histogram over window.
func runLatencyCase(b *testing.B, bin string, c latencyCase, window time.Duration) latencyRow {
	pubLog := newPublishLog(b)
	sink := startNginx(b, pubLog.url(), false, nginxApp{name: "live"})
	s := harness.StartServer(b, bin, "ROOMCAST_LOG_LEVEL=info")
	s.CreateRoom(b, "lat")
	span := window + 2*time.Minute
	stop := startLatencyPublishers(b, s, c, span)
	defer stop()
	harness.Eventually(b, 90*time.Second, "the publishers' tracks in the room", func() bool {
		info := s.RoomInfo(b, "lat")
		if len(info.Participants) != c.pubs {
			return false
		}
		for _, p := range info.Participants {
			if len(p.Tracks) != 2 {
				return false
			}
		}
		return true
	})
	body := map[string]any{
		"room": "lat", "layout": c.layout,
		"video":   map[string]int{"width": 1280, "height": 720, "fps": 30, "bitrate_kbps": 2500},
		"outputs": map[string]any{"rtmp": []string{sink.url("live", "lat")}},
	}
	var job egressJob
	if code := s.Do(b, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		b.Fatalf("%s: start egress: status %d %+v", c.name, code, job)
	}
	harness.Eventually(b, 45*time.Second, c.name+": output live", func() bool {
		job = getJob(b, s, job.ID)
		if job.Status == "failed" || job.Status == "complete" {
			b.Fatalf("%s: egress ended: %+v\n%s", c.name, job, s.Output())
		}
		return job.allLive(1) && pubLog.has("live/lat")
	})
	time.Sleep(latencySettle)
	m0 := scrape(b, s.URL)
	time.Sleep(window)
	m1 := scrape(b, s.URL)
	var stopped egressJob
	if code := s.Do(b, "DELETE", "/v1/egress/"+job.ID, nil, &stopped); code != http.StatusOK {
		b.Fatalf("stop egress: status %d", code)
	}
	row := latencyRow{c: c, metric: fmt.Sprintf("%s{mode=%q}", latencyModeMetric, c.mode)}
	h0, h1 := m0.histogramWith(latencyModeMetric, "mode", c.mode), m1.histogramWith(latencyModeMetric, "mode", c.mode)
	if len(h1) == 0 && c.mode == "passthrough" {
		row.metric = latencyMetric
		h0, h1 = m0.histogram(latencyMetric), m1.histogram(latencyMetric)
	}
	if len(h1) == 0 {
		row.p50, row.p99 = quantileEst{value: math.NaN()}, quantileEst{value: math.NaN()}
		return row // a binary that does not measure this path
	}
	lat, err := histDelta(h0, h1)
	if err != nil {
		b.Fatal(err)
	}
	row.n = lat[len(lat)-1].count
	row.p50, row.p99 = quantile(0.5, lat), quantile(0.99, lat)
	return row
}

// startLatencyPublishers starts the case's publishers; stop ends them.
func startLatencyPublishers(b *testing.B, s *harness.Server, c latencyCase, span time.Duration) (stop func()) {
	if c.lossy {
		return startLossyPublisher(b, s, c, span)
	}
	// A passed-through camera is the output: 720p like the fan-out
	// bench's. Decoded cameras are 360p, the composite bench's size.
	w, h := 640, 360
	if c.mode == "passthrough" {
		w, h = 1280, 720
	}
	var pubs []*harness.Publisher
	for i := range c.pubs {
		pubs = append(pubs, s.StartPublisherSize(b, "lat", fmt.Sprintf("p%d", i), c.codec, w, h, span))
	}
	return func() {
		for _, p := range pubs {
			p.Leave(b, 10*time.Second)
		}
	}
}

// startLossyPublisher runs a publisher in this process whose socket drops
// every 50th SRTP packet it sends and delays every packet 25 ms each way.
func startLossyPublisher(b *testing.B, s *harness.Server, c latencyCase, span time.Duration) (stop func()) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	delayed := newDelayConn(udp, latencyOneWay)
	lossy := rtctest.NewLossyConn(delayed, rtctest.Outgoing, latencyLossEvery)
	p, err := synth.New(synth.Config{
		Server: s.URL, Token: harness.TestKey, Room: "lat", Name: "lossy",
		Codec: synthCodec(c.codec), Width: 1280, Height: 720, Duration: span,
		LoopbackOnly: true, UDPConn: lossy,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			b.Error("the lossy publisher did not stop")
		}
		_ = delayed.Close()
		seen, dropped := lossy.Counts()
		fmt.Fprintf(os.Stderr, "lossy publisher: SRTP packets sent by payload type %v, dropped %v; NACKs received %d\n", seen, dropped, p.Stats().NACKs)
	}
}

// synthCodec maps a `roomcast publish --codec` name to synth's codec.
func synthCodec(name string) media.Codec {
	if name == "vp8" {
		return media.CodecVP8
	}
	return media.CodecH264
}

// histogramWith returns the cumulative buckets of the histogram name's
// series whose label key is value, sorted by upper bound.
func (p promSnapshot) histogramWith(name, key, value string) []bucket {
	sub := promSnapshot{at: p.at}
	for _, s := range p.samples {
		if s.labels[key] == value {
			sub.samples = append(sub.samples, s)
		}
	}
	return sub.histogram(name)
}

// delayConn delays every packet written to and read from a socket by d:
// 2d of round trip between its peer and everyone else.
type delayConn struct {
	net.PacketConn
	d    time.Duration
	out  chan delayedPacket
	in   chan delayedPacket
	done chan struct{}
	once sync.Once
}

type delayedPacket struct {
	b    []byte
	addr net.Addr
	due  time.Time
}

func newDelayConn(c net.PacketConn, d time.Duration) *delayConn {
	dc := &delayConn{PacketConn: c, d: d, out: make(chan delayedPacket, 8192), in: make(chan delayedPacket, 8192), done: make(chan struct{})}
	go dc.writeLoop()
	go dc.readLoop()
	return dc
}

// WriteTo queues b to be written d from now.
func (c *delayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	select {
	case c.out <- delayedPacket{b: bytes.Clone(b), addr: addr, due: time.Now().Add(c.d)}:
		return len(b), nil
	case <-c.done:
		return 0, net.ErrClosed
	}
}

func (c *delayConn) writeLoop() {
	for {
		select {
		case p := <-c.out:
			time.Sleep(time.Until(p.due))
			_, _ = c.PacketConn.WriteTo(p.b, p.addr)
		case <-c.done:
			return
		}
	}
}

func (c *delayConn) readLoop() {
	defer close(c.in)
	buf := make([]byte, 64<<10)
	for {
		n, addr, err := c.PacketConn.ReadFrom(buf)
		if err != nil {
			return
		}
		select {
		case c.in <- delayedPacket{b: bytes.Clone(buf[:n]), addr: addr, due: time.Now().Add(c.d)}:
		case <-c.done:
			return
		}
	}
}

// ReadFrom returns the next packet read, d after it came.
func (c *delayConn) ReadFrom(b []byte) (int, net.Addr, error) {
	p, ok := <-c.in
	if !ok {
		return 0, nil, net.ErrClosed
	}
	time.Sleep(time.Until(p.due))
	return copy(b, p.b), p.addr, nil
}

// Close stops the delays and closes the socket.
func (c *delayConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.PacketConn.Close()
}

// printLatencyTable prints every case against its goal, and this tree
// against the baseline when there is one.
func printLatencyTable(w io.Writer, window time.Duration, rows []latencyRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nlatency added by roomcast, RTP arrival at the egress job's ingest → RTMP write of a video frame (for a composed\n")
	fmt.Fprintf(w, "frame, of the newest input frame it shows), one 1280x720 30 fps job to an nginx-rtmp sink, %s per case\n", window)
	fmt.Fprintf(w, "%-30s %-9s %10s %10s %8s %12s %8s\n", "case", "binary", "p50", "p99", "goal", "p99/goal", "frames")
	base := map[string]latencyRow{}
	for _, r := range rows {
		if r.binary == "baseline" {
			base[r.c.name] = r
		}
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%-30s %-9s %10s %10s %8s %12s %8.0f\n", r.c.name, r.binary, fmtMs(r.p50), fmtMs(r.p99),
			fmt.Sprintf("%.0fms", ms(r.c.goal)), ratio(r.p99.value, r.c.goal.Seconds()), r.n)
	}
	for _, r := range rows {
		o, ok := base[r.c.name]
		if r.binary != "this tree" || !ok || math.IsNaN(o.p99.value) || math.IsNaN(r.p99.value) {
			continue
		}
		fmt.Fprintf(w, "%-30s this tree / baseline: p50 %s, p99 %s\n", r.c.name, ratio(r.p50.value, o.p50.value), ratio(r.p99.value, o.p99.value))
	}
	fmt.Fprintf(w, "quantiles interpolate inside 15 %% buckets (2 ms … 1.4 s); a baseline without the mode label is read from\n")
	fmt.Fprintf(w, "  %s (passthrough only; it stamps no arrival on encoded frames: '-').\n", latencyMetric)
	fmt.Fprintf(w, "lossy: the publisher runs in the bench process on a socket that drops every %dth SRTP packet it sends and delays\n", latencyLossEvery)
	fmt.Fprintf(w, "  every packet %s each way; the room NACKs the publisher, the job's ingest waits for the hole to fill.\n\n", latencyOneWay)
}
