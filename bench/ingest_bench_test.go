// Package bench measures roomcast against real peers. Run with `make bench`;
// nothing here is part of `make test`.
package bench

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

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
// second of media. The server and the publishers run as separate
// processes, so this process's CPU is the ingest's alone.
func BenchmarkIngestCPU(b *testing.B) {
	for _, tracks := range []int{10, 40} {
		b.Run(fmt.Sprintf("tracks=%d", tracks), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchIngest(b, tracks)
			}
		})
	}
}

func benchIngest(b *testing.B, tracks int) {
	s := harness.StartServer(b, roomcastBinary(b), fmt.Sprintf("ROOMCAST_MAX_PARTICIPANTS=%d", tracks))
	s.CreateRoom(b, "bench")
	in := s.StartIngest(b, "bench")
	const window = 15 * time.Second
	for p := 0; p < tracks/2; p++ {
		codec := []string{"vp8", "h264"}[p%2]
		s.StartPublisher(b, "bench", fmt.Sprintf("pub%d", p), codec, window+20*time.Second)
	}
	harness.Eventually(b, 90*time.Second, "all tracks flowing", func() bool {
		n := 0
		for _, ts := range in.Tracks() {
			if ts.Frames > 30 {
				n++
			}
		}
		return n == tracks
	})
	frames0 := totalFrames(in)
	cpu0, wall0 := cpuTime(), time.Now()
	deadline := time.NewTimer(window)
	<-deadline.C
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	frames := totalFrames(in) - frames0
	perTrack := float64(cpu.Microseconds()) / wall.Seconds() / float64(tracks)
	b.ReportMetric(perTrack, "cpu-µs/track-s")
	b.ReportMetric(float64(cpu)/float64(wall)*100, "cpu-%")
	b.ReportMetric(float64(frames)/wall.Seconds(), "units/s")
	fmt.Fprintf(os.Stderr, "ingest %d tracks: %.0f µs CPU per track per second of media (%.1f%% of one core, %.0f units/s)\n",
		tracks, perTrack, float64(cpu)/float64(wall)*100, float64(frames)/wall.Seconds())
}

func totalFrames(in *harness.Ingest) int {
	n := 0
	for _, ts := range in.Tracks() {
		n += ts.Frames
	}
	return n
}
