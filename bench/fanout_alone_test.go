package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
	"github.com/roomcast/roomcast/test/testutil"
	"go.uber.org/goleak"
)

// roomcast's outputs alone: the fan-out and the RTMP outputs of a
// passthrough job, built as the egress builds them (one fan-out, its
// readers coalescing audio, the outputs sharing chunks and a write
// group, each write's latency observed), fed the clip's own H.264 and
// AAC at its pace, in a child process that does nothing else. The serve
// process's windows also hold the room's ingest and the job's audio
// encode, whose CPU moves by more between windows than 20 outputs cost;
// this child's do not, so its cost per output can be set beside the
// floor's and nginx-rtmp's with their precision.
const aloneChildEnv = "ROOMCAST_FANOUT_ALONE"

// aloneSpec is what the child sends: Annex-B H.264 (with AUDs) at FPS
// and ADTS AAC from files, to streams named alone-<n> under SinkURL.
type aloneSpec struct {
	Video, Audio  string
	Width, Height int
	FPS           int
	SinkURL       string // rtmp://host:port/app/
}

// TestFanoutAlone is BenchmarkFanout's child process for roomcast's
// outputs alone: it reads the number of outputs from stdin, a line at a
// time, prints "live N" once N outputs publish, and ends when stdin
// closes. Run alone it skips.
func TestFanoutAlone(t *testing.T) {
	raw := os.Getenv(aloneChildEnv)
	if raw == "" {
		t.Skip("the child process of BenchmarkFanout")
	}
	egress.TuneGC() // as roomcast serve runs
	var spec aloneSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatalf("%s: %v", aloneChildEnv, err)
	}
	if err := runAlone(spec, os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// aloneOutput is one running output of the child.
type aloneOutput struct {
	out    egress.Output
	cancel context.CancelFunc
	done   chan error
}

// aloneRun is the child's fan-out and its outputs.
type aloneRun struct {
	spec    aloneSpec
	fan     *fanout.Fanout
	newRTMP func(string, *fanout.Reader, *slog.Logger) (egress.Output, string, error)
	outs    []*aloneOutput
	started int
}

func runAlone(spec aloneSpec, ctl io.Reader, report io.Writer) error {
	units, tracks, err := aloneUnits(spec)
	if err != nil {
		return err
	}
	metrics := egress.NewMetrics(prometheus.NewRegistry(), nil)
	policy := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, nil)
	a := &aloneRun{spec: spec, fan: fanout.New(fanout.Options{Tracks: tracks}),
		newRTMP: egress.NewRTMPOutput(nil, policy, metrics.ObserveLatency)}
	ctx, cancel := context.WithCancel(context.Background())
	fed := make(chan error, 1)
	go func() { fed <- feedAlone(ctx, a.fan, units, spec.FPS) }()
	err = a.follow(ctl, report)
	cancel()
	a.fan.Close()
	return errors.Join(err, <-fed, a.resize(0))
}

// follow sets the number of outputs from each line of ctl and reports
// each count once it is live.
func (a *aloneRun) follow(ctl io.Reader, report io.Writer) error {
	sc := bufio.NewScanner(ctl)
	for sc.Scan() {
		n, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil || n < 0 || n > 100 {
			return fmt.Errorf("output count %q: want 0 to 100", sc.Text())
		}
		if err := a.resize(n); err != nil {
			return err
		}
		if err := a.waitLive(30 * time.Second); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(report, "live %d\n", n); err != nil {
			return err
		}
	}
	return sc.Err()
}

// resize starts or stops outputs until n run, the newest stopped first.
func (a *aloneRun) resize(n int) error {
	for len(a.outs) < n {
		r := a.fan.NewReader(fmt.Sprintf("alone-%d", a.started))
		r.CoalesceAudio() // as egress.Job.AddRTMP
		out, _, err := a.newRTMP(a.spec.SinkURL+fmt.Sprintf("alone-%d", a.started), r, slog.New(slog.DiscardHandler))
		if err != nil {
			r.Close()
			return err
		}
		a.started++
		ctx, cancel := context.WithCancel(context.Background())
		o := &aloneOutput{out: out, cancel: cancel, done: make(chan error, 1)}
		go func() { o.done <- out.Run(ctx) }()
		a.outs = append(a.outs, o)
	}
	var errs []error
	for len(a.outs) > n {
		o := a.outs[len(a.outs)-1]
		a.outs = a.outs[:len(a.outs)-1]
		o.cancel()
		o.out.Close()
		if err := <-o.done; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// waitLive waits until every output is connected and has written media.
func (a *aloneRun) waitLive(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		live := true
		for _, o := range a.outs {
			if st := o.out.Stats(); !st.Connected || st.Bytes == 0 {
				live = false
			}
		}
		if live {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d outputs not all live after %s", len(a.outs), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// feedAlone writes units in a loop at their pace, each stamped with its
// arrival as a passed-through unit from the network, until ctx ends.
func feedAlone(ctx context.Context, fan *fanout.Fanout, units []*media.Unit, fps int) error {
	if len(units) == 0 {
		return fmt.Errorf("no units to feed")
	}
	loop := units[len(units)-1].DTS + time.Second/time.Duration(fps)
	start := time.Now()
	for cycle := 0; ; cycle++ {
		off := time.Duration(cycle) * loop
		for _, u := range units {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Until(start.Add(u.DTS + off))):
			}
			v := *u
			v.DTS, v.PTS = u.DTS+off, u.PTS+off
			v.Arrival, v.Path = time.Now(), media.PathPassthrough
			fan.Write(&v)
		}
	}
}

// aloneUnits reads the spec's files into units in DTS order, and their
// tracks.
func aloneUnits(spec aloneSpec) ([]*media.Unit, []*media.Track, error) {
	vb, err := os.ReadFile(spec.Video)
	if err != nil {
		return nil, nil, err
	}
	ab, err := os.ReadFile(spec.Audio)
	if err != nil {
		return nil, nil, err
	}
	video := &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000,
		Width: spec.Width, Height: spec.Height, FPS: spec.FPS}
	audio := &media.Track{ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: 48000, SampleRate: 48000, Channels: 2}
	units := mediafixture.H264Units(video, vb, spec.FPS)
	frames, asc := mediafixture.SplitADTS(ab)
	if len(units) == 0 || len(frames) == 0 || asc == nil {
		return nil, nil, fmt.Errorf("%d video units, %d audio frames: want both", len(units), len(frames))
	}
	audio.Config = asc
	end := units[len(units)-1].DTS
	for i, fr := range frames {
		d := time.Duration(i) * 1024 * time.Second / 48000
		if d > end {
			break // the loop's length is the video's
		}
		units = append(units, &media.Unit{Track: audio, PTS: d, DTS: d, Key: true, Data: fr})
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].DTS < units[j].DTS })
	return units, []*media.Track{video, audio}, nil
}

// aloneFiles cuts the clip into the child's inputs: its H.264 as it is,
// in Annex-B with the parameter sets before each keyframe (the clip
// carries them in its header) and access unit delimiters, and its sound
// as AAC 128 kbit/s stereo, which roomcast sends.
func aloneFiles(b testing.TB, clip string) (video, audio string) {
	b.Helper()
	dir := b.TempDir()
	video, audio = filepath.Join(dir, "v.h264"), filepath.Join(dir, "a.aac")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", clip,
		"-map", "0:v", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb,h264_metadata=aud=insert", "-f", "h264", video,
		"-map", "0:a", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000", "-f", "adts", audio).CombinedOutput()
	if err != nil {
		b.Fatalf("cut the clip for the outputs alone: %v\n%s", err, out)
	}
	return video, audio
}

// benchAloneFanout measures roomcast's outputs alone over the same steps
// as the others, to an nginx-rtmp sink like theirs.
func benchAloneFanout(b *testing.B, c fanoutCase, clip string, window time.Duration, rounds int) fanoutSide {
	pubs := newPublishLog(b)
	sink := startNginx(b, pubs.url(), true, nginxApp{name: "live"})
	video, audio := aloneFiles(b, clip)
	raw, err := json.Marshal(aloneSpec{Video: video, Audio: audio, Width: c.width, Height: c.height, FPS: c.fps,
		SinkURL: sink.url("live", "")})
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFanoutAlone$", "-test.count=1", "-test.timeout=2h")
	cmd.Env = append(os.Environ(), aloneChildEnv+"="+string(raw))
	ctl, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("start the outputs' child: %v", err)
	}
	lines := make(chan string)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	})
	fail := func(format string, args ...any) {
		_ = cmd.Process.Kill()
		b.Fatalf("outputs alone: "+format+"\n%s", append(args, stderr.String())...)
	}
	var rows []fanoutRow
	for _, n := range append([]int{0}, fanoutSteps(c.outputs, rounds)...) {
		if _, err := fmt.Fprintln(ctl, n); err != nil {
			fail("%v", err)
		}
		select {
		case l, ok := <-lines:
			if want := fmt.Sprintf("live %d", n); !ok || !strings.HasSuffix(l, want) {
				fail("child said %q, want %q", l, want)
			}
		case <-time.After(45 * time.Second):
			fail("%d outputs not live in 45s", n)
		}
		time.Sleep(fanoutSettle)
		row := measureAloneRow(b, cmd.Process.Pid, sink, n, window)
		if n > 0 && row.outBitrate < 0.8*float64(c.kbps)*1000 {
			fail("%d outputs: %.2f Mbit/s per output, under 80%% of the clip's %d kbit/s: the video did not go through",
				n, row.outBitrate/1e6, c.kbps)
		}
		fmt.Fprintf(os.Stderr, "fanout %s roomcast outputs alone %2d outputs: %5.2f%% of one core, %.2f Mbit/s per output\n",
			c.name, n, 100*row.cpu, row.outBitrate/1e6)
		rows = append(rows, row)
	}
	ctl.Close()
	for range lines { // the rest of the child's output, if any
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		b.Fatalf("outputs alone: %v\n%s", err, stderr.String())
	}
	return newFanoutSide(c.outputs, rows)
}

// measureAloneRow measures one window of the child running n outputs.
func measureAloneRow(b *testing.B, pid int, sink *benchNginx, n int, window time.Duration) fanoutRow {
	b.Helper()
	s0, err := procSched(pid)
	if err != nil {
		b.Fatal(err)
	}
	k0, t0 := sink.stat(b), time.Now()
	time.Sleep(window)
	s1, err := procSched(pid)
	if err != nil {
		b.Fatal(err)
	}
	k1 := sink.stat(b)
	row := fanoutRow{outputs: n, wall: time.Since(t0)}
	row.cpu = (s1.run - s0.run).Seconds() / row.wall.Seconds()
	row.ticks = row.cpu
	if n > 0 {
		row.outBitrate = 8 * float64(k1.BytesIn-k0.BytesIn) / k1.at.Sub(k0.at).Seconds() / float64(n)
	}
	return row
}

// TestFanoutAloneChild runs the outputs' child loop on a small clip: it
// publishes as many outputs as it is told to the sink, reports each
// count once live, goes down again, and ends with its control input.
func TestFanoutAloneChild(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the sinks' cleanups
	c := fanoutCase{width: 320, height: 240, fps: 30, kbps: 1000}
	video, audio := aloneFiles(t, feedClip(t, c))
	pubs := newPublishLog(t)
	sink := startNginx(t, pubs.url(), true, nginxApp{name: "live"})
	spec := aloneSpec{Video: video, Audio: audio, Width: c.width, Height: c.height, FPS: c.fps, SinkURL: sink.url("live", "")}
	ctlR, ctlW := io.Pipe()
	repR, repW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runAlone(spec, ctlR, repW); repW.Close() }()
	lines := bufio.NewScanner(repR)
	step := func(n int) {
		t.Helper()
		if _, err := fmt.Fprintln(ctlW, n); err != nil {
			t.Fatal(err)
		}
		if !lines.Scan() || lines.Text() != fmt.Sprintf("live %d", n) {
			t.Fatalf("after %d: child reported %q (%v)", n, lines.Text(), lines.Err())
		}
	}
	step(2)
	testutil.Eventually(t, 10*time.Second, "both outputs published", func() bool {
		return pubs.has("live/alone-0", "live/alone-1")
	})
	// Both outputs carry the clip's video, not its sound alone (2 × 128
	// kbit/s): at least 60 % of 2 × 1000 kbit/s over 2 s.
	k0 := sink.stat(t)
	testutil.Eventually(t, 10*time.Second, "2 s of media at the sink", func() bool {
		return sink.stat(t).at.Sub(k0.at) >= 2*time.Second
	})
	k1 := sink.stat(t)
	if rate := 8 * float64(k1.BytesIn-k0.BytesIn) / k1.at.Sub(k0.at).Seconds(); rate < 0.6*2*1000e3 {
		t.Fatalf("the sink received %.0f kbit/s from 2 outputs of a 1000 kbit/s clip", rate/1e3)
	}
	step(1)
	step(3) // a new output, alone-2, beside alone-0
	testutil.Eventually(t, 10*time.Second, "the third output published", func() bool {
		return pubs.has("live/alone-2")
	})
	ctlW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runAlone: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("runAlone did not end with its control input")
	}
	go io.Copy(io.Discard, repR)
	if err := runAlone(spec, strings.NewReader("x\n"), io.Discard); err == nil {
		t.Error("a count that is not a number was taken")
	}
}
