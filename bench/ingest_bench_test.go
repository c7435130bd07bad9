// Package bench measures roomcast against real peers. Run with `make bench`;
// nothing here is part of `make test`.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/harness"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

func roomcastBinary(b *testing.B) string {
	buildOnce.Do(func() { binary, _, buildErr = harness.BuildBinary() })
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binary
}

// cpuTime is the CPU (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIngestCPU measures the CPU the ingest spends per track per
// second of media, and its ratio to the floor: a bare pion subscription to
// the same room, on the same server, publishers and tracks, whose tracks
// are only read with ReadRTP (RTCP drained) and dropped
// (source.Config.BareRead). The server and the publishers run as separate
// processes, so this process's CPU is the subscriber's alone. It also
// measures the ingest over a relay connection (source.Config.Relay), a
// remote worker's subscription without WebRTC. The three kinds of windows
// alternate, in rotating order, so that a drift of the machine's load hits
// all of them.
func BenchmarkIngestCPU(b *testing.B) {
	for _, tracks := range []int{10, 40} {
		b.Run(fmt.Sprintf("tracks=%d", tracks), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchIngest(b, tracks)
			}
		})
	}
}

// Ingest bench timing: rounds of one floor and one ingest window each.
const (
	ingestRounds = 3
	ingestWindow = 8 * time.Second
	ingestSettle = 60 * time.Second // bound on subscribing until every track flows
)

func benchIngest(b *testing.B, tracks int) {
	s := harness.StartServer(b, roomcastBinary(b), fmt.Sprintf("ROOMCAST_MAX_PARTICIPANTS=%d", tracks))
	s.CreateRoom(b, "bench")
	publish := time.Duration(2*ingestRounds)*(ingestWindow+ingestSettle/2) + 30*time.Second
	for p := 0; p < tracks/2; p++ {
		codec := []string{"vp8", "h264"}[p%2]
		s.StartPublisher(b, "bench", fmt.Sprintf("pub%d", p), codec, publish)
	}
	serve, err := childPid("serve")
	if err != nil {
		b.Logf("the server's CPU is not measured: %v", err)
	}
	var cost [len(ingestKinds)]ingestWindowCost
	for round := 0; round < ingestRounds; round++ {
		for k := range ingestKinds { // each round in another order
			kind := (round + k) % len(ingestKinds)
			cost[kind].add(measureSubscriber(b, s, serve, tracks, kind))
		}
	}
	floor, ingest, relayed := &cost[kindFloor], &cost[kindWebRTC], &cost[kindRelay]
	f, in, rl := floor.perTrack(tracks), ingest.perTrack(tracks), relayed.perTrack(tracks)
	b.ReportMetric(in, "cpu-µs/track-s")
	b.ReportMetric(rl, "relay-cpu-µs/track-s")
	b.ReportMetric(f, "floor-cpu-µs/track-s")
	b.ReportMetric(in/f, "x-floor")
	b.ReportMetric(rl/f, "relay-x-floor")
	perPacket := ingest.perPacket() / floor.perPacket()
	b.ReportMetric(perPacket, "x-floor-per-packet")
	b.ReportMetric(ingest.units/ingest.wall.Seconds(), "units/s")
	fmt.Fprintf(os.Stderr, "ingest %d tracks: %.0f µs CPU per track per second of media, bare pion read loop %.0f µs: %.2f× the floor "+
		"(%.1f%% vs %.1f%% of one core; %.0f vs %.0f packets/s, %.1f vs %.1f µs per packet: %.2f×; %.0f units/s)\n",
		tracks, in, f, in/f, ingest.corePercent(), floor.corePercent(),
		ingest.packets/ingest.wall.Seconds(), floor.packets/floor.wall.Seconds(),
		ingest.perPacket(), floor.perPacket(), perPacket, ingest.units/ingest.wall.Seconds())
	fmt.Fprintf(os.Stderr, "ingest %d tracks over a relay connection: %.0f µs CPU per track per second of media: %.2f× the floor, %.2f× the WebRTC ingest "+
		"(%.1f%% of one core; %.0f packets/s, %.1f µs per packet; %.0f units/s)\n",
		tracks, rl, rl/f, rl/in, relayed.corePercent(), relayed.packets/relayed.wall.Seconds(), relayed.perPacket(),
		relayed.units/relayed.wall.Seconds())
	if serve != 0 {
		fmt.Fprintf(os.Stderr, "ingest %d tracks: the room server's CPU while serving the WebRTC ingest %.1f%% of one core (floor %.1f%%), the relay %.1f%%\n",
			tracks, ingest.serverPercent(), floor.serverPercent(), relayed.serverPercent())
		b.ReportMetric(relayed.serverPercent()/ingest.serverPercent(), "relay-x-webrtc-server")
	}
}

// The subscribers an ingest bench measures.
const (
	kindFloor  = iota // bare pion ReadRTP loop (source.Config.BareRead)
	kindWebRTC        // the ingest over WebRTC
	kindRelay         // the ingest over a relay connection (source.Config.Relay)
)

var ingestKinds = [...]string{kindFloor: "floor", kindWebRTC: "ingest", kindRelay: "relay"}

// ingestWindowCost sums the measuring windows of one kind of subscriber.
type ingestWindowCost struct {
	cpu, wall      time.Duration
	server         time.Duration // the room server's CPU (schedstat)
	packets, units float64
}

func (c *ingestWindowCost) add(o ingestWindowCost) {
	c.cpu += o.cpu
	c.server += o.server
	c.wall += o.wall
	c.packets += o.packets
	c.units += o.units
}

func (c *ingestWindowCost) perTrack(tracks int) float64 {
	return float64(c.cpu.Microseconds()) / c.wall.Seconds() / float64(tracks)
}

// perPacket is the CPU per packet read, in µs: the publishers, starved of
// CPU on a loaded machine, may send fewer packets in one window than in
// another.
func (c *ingestWindowCost) perPacket() float64 { return float64(c.cpu.Microseconds()) / c.packets }

func (c *ingestWindowCost) corePercent() float64 { return float64(c.cpu) / float64(c.wall) * 100 }

func (c *ingestWindowCost) serverPercent() float64 { return float64(c.server) / float64(c.wall) * 100 }

// measureSubscriber subscribes to the room (an ingest, or its bare floor),
// waits until every track flows, measures this process's CPU over one
// window, and unsubscribes. pprof labels (subscriber=floor|ingest) tell
// the two apart in a -cpuprofile of the bench.
func measureSubscriber(b *testing.B, s *harness.Server, serve, tracks, kind int) ingestWindowCost {
	in, err := source.New(source.Config{
		Server: s.URL, Token: s.Key, Room: "bench", Name: "bench-ingest", LoopbackOnly: true,
		Handler: dropAll{}, BareRead: kind == kindFloor, Relay: kind == kindRelay,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		b.Fatal(err)
	}
	label := ingestKinds[kind]
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go pprof.Do(ctx, pprof.Labels("subscriber", label), func(ctx context.Context) { errc <- in.Run(ctx) })
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			b.Errorf("%s subscriber: %v", label, err)
		}
	}()
	harness.Eventually(b, ingestSettle, "all tracks flowing to the "+label, func() bool {
		n := 0
		for _, ts := range in.Stats() {
			if ts.Active && ts.Packets > 100 {
				n++
			}
		}
		return n == tracks
	})
	packets0, units0 := ingestTotals(in)
	server0 := serverRuntime(serve)
	cpu0, wall0 := cpuTime(), time.Now()
	<-time.After(ingestWindow)
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	server := serverRuntime(serve) - server0
	packets, units := ingestTotals(in)
	return ingestWindowCost{cpu: cpu, wall: wall, server: server, packets: float64(packets - packets0), units: float64(units - units0)}
}

// serverRuntime is the room server's CPU so far; 0 when unknown.
func serverRuntime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	d, _ := procRuntime(pid)
	return d
}

// ingestTotals sums the packets read and the units delivered over every
// track.
func ingestTotals(in *source.Ingest) (packets, units uint64) {
	for _, ts := range in.Stats() {
		packets += ts.Packets
		units += ts.Frames
	}
	return packets, units
}
