package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/harness"
)

// The room forwarding benchmark: publishers (`roomcast publish`, one video
// and one audio track each) in one room of a `roomcast serve`, and
// subscribers in this process that read their tracks with a bare pion
// ReadRTP loop (source.Config.BareRead). It measures the server process's
// CPU once with one subscriber and once with forwardSubscribers, so that
// the difference is the cost of forwarding alone, ingest left out.
const (
	forwardPublishers  = 2
	forwardSubscribers = 12
	forwardWidth       = 640 // of the publishers' video, at which they send
	forwardHeight      = 480 // several packets per frame
	forwardRounds      = 2   // each binary measured once per round, ABBA
	forwardWindow      = 8 * time.Second
	forwardSettle      = 60 * time.Second // bound on every track flowing to every subscriber
	// forwardBaseEnv names a git revision (e.g. main) to build and
	// measure side by side with the current tree.
	forwardBaseEnv = "ROOMCAST_BENCH_BASE"
)

// forwardBinary is one roomcast build under measure.
type forwardBinary struct{ name, path string }

// BenchmarkRoomForward reports the server's CPU per forwarded track per
// second of media (the extra subscribers' share) and per forwarded packet.
// With ROOMCAST_BENCH_BASE set, the revision it names is built and
// measured in alternation with the current tree (base, head, head, base),
// and the ratio head/base is printed.
func BenchmarkRoomForward(b *testing.B) {
	bins := forwardBinaries(b)
	costs := map[string]*forwardCost{}
	for round := range forwardRounds {
		for i := range bins {
			bin := bins[i]
			if round%2 == 1 {
				bin = bins[len(bins)-1-i]
			}
			b.Run(fmt.Sprintf("%s/round=%d", bin.name, round), func(b *testing.B) {
				for range b.N {
					c := measureForward(b, bin.path)
					c.report(b)
					if costs[bin.name] == nil {
						costs[bin.name] = &forwardCost{}
					}
					costs[bin.name].add(c)
				}
			})
		}
	}
	for _, bin := range bins {
		if c := costs[bin.name]; c != nil {
			fmt.Fprintf(os.Stderr, "room forward %s: %s\n", bin.name, c)
		}
	}
	if base, head := costs["base"], costs["head"]; base != nil && head != nil {
		fmt.Fprintf(os.Stderr, "room forward head/base: %.2f× per forwarded track-second, %.2f× per forwarded packet; "+
			"with every subscriber, %.2f× the server's whole CPU per packet read by the subscribers\n",
			head.perTrackSecond()/base.perTrackSecond(), head.perPacket()/base.perPacket(), head.all.perPacket()/base.all.perPacket())
	}
}

// forwardBinaries builds the current tree and, when asked, the base
// revision in a temporary git worktree.
func forwardBinaries(b *testing.B) []forwardBinary {
	head := forwardBinary{"head", roomcastBinary(b)}
	ref := os.Getenv(forwardBaseEnv)
	if ref == "" {
		return []forwardBinary{head}
	}
	dir := filepath.Join(b.TempDir(), "base")
	if out, err := exec.Command("git", "worktree", "add", "--detach", dir, ref).CombinedOutput(); err != nil {
		b.Fatalf("git worktree add %s: %v\n%s", ref, err, out)
	}
	b.Cleanup(func() { _ = exec.Command("git", "worktree", "remove", "--force", dir).Run() })
	bin := filepath.Join(b.TempDir(), "roomcast-base")
	build := exec.Command("go", "build", "-o", bin, "./cmd/roomcast")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", ref, err, out)
	}
	return []forwardBinary{{"base", bin}, head}
}

// forwardCost sums the windows of one binary: the server's CPU and the
// track-seconds and packets its subscribers read, with one subscriber
// (the room's ingest plus one forward of each track) and with all.
type forwardCost struct {
	one, all forwardWindowCost
}

type forwardWindowCost struct {
	cpu                    time.Duration
	trackSeconds, packets  float64
	wall                   time.Duration
	subscribers, forwarded int
}

func (c *forwardCost) add(o forwardCost) {
	c.one.add(o.one)
	c.all.add(o.all)
}

func (w *forwardWindowCost) add(o forwardWindowCost) {
	w.cpu += o.cpu
	w.trackSeconds += o.trackSeconds
	w.packets += o.packets
	w.wall += o.wall
	w.subscribers, w.forwarded = o.subscribers, o.forwarded
}

// perTrackSecond is the server's CPU in µs per track-second forwarded to
// the subscribers beyond the first.
func (c *forwardCost) perTrackSecond() float64 {
	return c.extraCPU() / (c.all.trackSeconds - c.one.trackSeconds*c.all.wall.Seconds()/c.one.wall.Seconds())
}

// perPacket is the same per packet forwarded, in µs: the publishers,
// starved of CPU, may send fewer packets in one window than in another.
func (c *forwardCost) perPacket() float64 {
	return c.extraCPU() / (c.all.packets - c.one.packets*c.all.wall.Seconds()/c.one.wall.Seconds())
}

// extraCPU is the server's CPU in µs over the windows with every
// subscriber, less what one subscriber cost over as long.
func (c *forwardCost) extraCPU() float64 {
	one := float64(c.one.cpu.Microseconds()) * c.all.wall.Seconds() / c.one.wall.Seconds()
	return float64(c.all.cpu.Microseconds()) - one
}

func (c *forwardCost) String() string {
	return fmt.Sprintf("%.0f µs of server CPU per forwarded track-second, %.1f µs per forwarded packet "+
		"(server at %.1f%% of a core with 1 subscriber, %.1f%% with %d, %.1f µs per packet read; %d tracks each)",
		c.perTrackSecond(), c.perPacket(), c.one.corePercent(), c.all.corePercent(), c.all.subscribers,
		c.all.perPacket(), c.all.forwarded)
}

// perPacket is the server's whole CPU (ingest included) in µs per packet
// its subscribers read: less amplified by noise than the difference.
func (w *forwardWindowCost) perPacket() float64 { return float64(w.cpu.Microseconds()) / w.packets }

func (w *forwardWindowCost) corePercent() float64 { return float64(w.cpu) / float64(w.wall) * 100 }

func (c *forwardCost) report(b *testing.B) {
	b.ReportMetric(c.perTrackSecond(), "cpu-µs/track-s")
	b.ReportMetric(c.perPacket(), "cpu-µs/packet")
	b.ReportMetric(c.all.corePercent(), "server-%core")
	b.ReportMetric(c.all.perPacket(), "server-cpu-µs/packet")
}

// measureForward runs one server with its publishers, measures a window
// with one subscriber, then one with forwardSubscribers.
func measureForward(b *testing.B, binary string) forwardCost {
	participants := forwardPublishers + forwardSubscribers + 2
	s := harness.StartServer(b, binary, fmt.Sprintf("ROOMCAST_MAX_PARTICIPANTS=%d", participants))
	s.CreateRoom(b, "forward")
	for p := range forwardPublishers {
		codec := []string{"vp8", "h264"}[p%2]
		s.StartPublisherSize(b, "forward", fmt.Sprintf("pub%d", p), codec, forwardWidth, forwardHeight, 2*forwardSettle+4*forwardWindow)
	}
	serve, err := childPid("serve")
	if err != nil {
		b.Fatal(err)
	}
	tracks := 2 * forwardPublishers
	subs := []*source.Ingest{startForwardSubscriber(b, s, 0)}
	waitForwarded(b, subs, tracks)
	var c forwardCost
	c.one = measureForwardWindow(b, serve, subs)
	for i := 1; i < forwardSubscribers; i++ {
		subs = append(subs, startForwardSubscriber(b, s, i))
	}
	waitForwarded(b, subs, tracks)
	c.all = measureForwardWindow(b, serve, subs)
	c.one.forwarded, c.all.forwarded = tracks, tracks
	return c
}

// startForwardSubscriber joins the room with a bare read loop; it leaves
// when the benchmark ends.
func startForwardSubscriber(b *testing.B, s *harness.Server, i int) *source.Ingest {
	in, err := source.New(source.Config{
		Server: s.URL, Token: s.Key, Room: "forward", Name: fmt.Sprintf("sub%d", i), LoopbackOnly: true,
		Handler: dropAll{}, BareRead: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- in.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			b.Errorf("subscriber %d: %v", i, err)
		}
	})
	return in
}

// waitForwarded waits until every subscriber reads every track.
func waitForwarded(b *testing.B, subs []*source.Ingest, tracks int) {
	harness.Eventually(b, forwardSettle, "every track flowing to every subscriber", func() bool {
		for _, in := range subs {
			n := 0
			for _, ts := range in.Stats() {
				if ts.Active && ts.Packets > 100 {
					n++
				}
			}
			if n != tracks {
				return false
			}
		}
		return true
	})
}

// measureForwardWindow measures the server's CPU and what the subscribers
// read over one window.
func measureForwardWindow(b *testing.B, serve int, subs []*source.Ingest) forwardWindowCost {
	packets0, _ := forwardTotals(subs)
	cpu0, err := procRuntime(serve)
	if err != nil {
		b.Fatal(err)
	}
	wall0 := time.Now()
	<-time.After(forwardWindow)
	cpu1, err := procRuntime(serve)
	if err != nil {
		b.Fatal(err)
	}
	wall := time.Since(wall0)
	packets1, tracks := forwardTotals(subs)
	return forwardWindowCost{
		cpu: cpu1 - cpu0, wall: wall, packets: float64(packets1 - packets0),
		trackSeconds: float64(tracks) * wall.Seconds(), subscribers: len(subs),
	}
}

// forwardTotals sums the packets every subscriber read and counts the
// active tracks.
func forwardTotals(subs []*source.Ingest) (packets uint64, tracks int) {
	for _, in := range subs {
		for _, ts := range in.Stats() {
			packets += ts.Packets
			if ts.Active {
				tracks++
			}
		}
	}
	return packets, tracks
}
