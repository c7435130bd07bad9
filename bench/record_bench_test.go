package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// The record output's CPU: a Recording fed as fast as it takes them with
// real encoded units, cut into 4 s segments and spooled to a local
// store, in this process with nothing else running, so this process's
// rusage is the record output's (segmenter, hashing, manifest and
// playlist rewrites, spool writes with their fsyncs, uploads).
const (
	recordSegment = 4 * time.Second
	// recordMediaEnv overrides how much media each case records (a Go
	// duration; default recordMedia).
	recordMediaEnv = "ROOMCAST_BENCH_RECORD_MEDIA"
	recordMedia    = 10 * time.Minute
	recordRepeats  = 3
)

// recordCPURow is one recording measured.
type recordCPURow struct {
	name       string
	media      time.Duration // recorded, as the manifest says
	segments   int
	units      int
	runCPU     time.Duration // Run: cut and spool every segment (uploads run meanwhile)
	runWall    time.Duration
	totalCPU   time.Duration // Run + Finish + spool drained to the store
	totalWall  time.Duration
	stored     int64 // inits + segments (the manifest's size)
	spooled    int64 // every byte enqueued: segments, playlists and manifests
	enqueues   int64
	allocBytes uint64
}

func (r recordCPURow) hours() float64 { return r.media.Hours() }

// cpuPerHour is CPU seconds per hour of media.
func (r recordCPURow) cpuPerHour(d time.Duration) float64 { return d.Seconds() / r.hours() }

// BenchmarkRecordCPU measures the CPU the record output spends per hour
// of media, for the 320x240 test fixture and for 640x360 at 800 kbit/s
// (what BenchmarkRecordStopToComplete's egress records), and the bytes it
// stores and spools per hour. ROOMCAST_BENCH_RECORD_MEDIA sets the media
// length per case (default 10m); the manifest and playlist are rewritten
// after every segment, so their share grows with the length.
func BenchmarkRecordCPU(b *testing.B) {
	length := recordMediaLength(b)
	cases := []struct {
		name string
		fx   func(b *testing.B) *mediafixture.Fixture
	}{
		{"320x240", func(b *testing.B) *mediafixture.Fixture { return mediafixture.Load(b) }},
		{"640x360-800k", func(b *testing.B) *mediafixture.Fixture { return encodeRecordFixture(b, 640, 360, 800) }},
	}
	var rows []recordCPURow
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			fx := c.fx(b)
			units := loopUnits(fx, length)
			var row recordCPURow
			for i := 0; i < b.N; i++ {
				row = medianRecordCPU(b, fx, units)
			}
			row.name = c.name
			reportRecordCPU(b, row)
			rows = append(rows, row)
		})
	}
	printRecordCPUTable(os.Stderr, rows)
}

func recordMediaLength(b *testing.B) time.Duration {
	v := os.Getenv(recordMediaEnv)
	if v == "" {
		return recordMedia
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 30*time.Second {
		b.Fatalf("%s=%q: want a duration of at least 30s", recordMediaEnv, v)
	}
	return d
}

// loopUnits repeats the fixture until length, shifted by fx.Length each
// time; the Track pointers stay the fixture's. Units at or after
// fx.Length (the AAC encoder's last frames) are left out so the tracks
// stay in sync: the last audio frame of each loop is shortened instead.
func loopUnits(fx *mediafixture.Fixture, length time.Duration) []*media.Unit {
	loops := int((length + fx.Length - 1) / fx.Length)
	out := make([]*media.Unit, 0, loops*len(fx.Units))
	for k := range loops {
		off := time.Duration(k) * fx.Length
		for _, u := range fx.Units {
			if u.DTS >= fx.Length {
				continue
			}
			c := *u
			c.PTS += off
			c.DTS += off
			out = append(out, &c)
		}
	}
	return out
}

// recordSource replays units to a Recording, then ends the stream.
type recordSource struct {
	units  []*media.Unit
	i      int
	tracks []*media.Track
}

func (s *recordSource) Read(ctx context.Context) (*media.Unit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.i == len(s.units) {
		return nil, io.EOF
	}
	s.i++
	return s.units[s.i-1], nil
}

func (s *recordSource) Tracks() []*media.Track { return s.tracks }
func (s *recordSource) Reset()                 {}

// countingSpool counts what a Recording enqueues.
type countingSpool struct {
	*spool.Spool
	bytes, enqueues atomic.Int64
}

func (c *countingSpool) Enqueue(key string, data []byte) error {
	c.bytes.Add(int64(len(data)))
	c.enqueues.Add(1)
	return c.Spool.Enqueue(key, data)
}

// medianRecordCPU records units recordRepeats times and keeps the run
// with the median total CPU: a single run on a shared machine varies by
// a third.
func medianRecordCPU(b *testing.B, fx *mediafixture.Fixture, units []*media.Unit) recordCPURow {
	rows := make([]recordCPURow, recordRepeats)
	for i := range rows {
		rows[i] = benchRecordCPU(b, fx, units)
	}
	slices.SortFunc(rows, func(x, y recordCPURow) int { return cmp.Compare(x.totalCPU, y.totalCPU) })
	return rows[len(rows)/2]
}

// benchRecordCPU records units once over a fresh store and spool.
func benchRecordCPU(b *testing.B, fx *mediafixture.Fixture, units []*media.Unit) recordCPURow {
	b.StopTimer()
	dir := b.TempDir()
	st, err := local.Open(filepath.Join(dir, "store"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sp, err := spool.Open(filepath.Join(dir, "spool"), st, spool.Options{MaxBytes: 8 << 30, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	defer func() { cancel(); <-done }()
	cs := &countingSpool{Spool: sp}
	rec, err := record.Start(record.Config{
		ID: archive.NewID(time.Now()), Tenant: "bench", Room: "hall", Egress: "EG_bench",
		SegmentDuration: recordSegment, Spool: cs, WorkDir: filepath.Join(dir, "work"),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	src := &recordSource{units: units, tracks: []*media.Track{fx.Video, fx.Audio}}
	flushCtx, flushCancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer flushCancel()
	if err := sp.Flush(flushCtx); err != nil { // Start's manifest and index entry
		b.Fatal(err)
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.StartTimer()
	cpu0, wall0 := cpuTime(), time.Now()
	if err := rec.Run(context.Background(), src); err != nil {
		b.Fatal(err)
	}
	row := recordCPURow{runCPU: cpuTime() - cpu0, runWall: time.Since(wall0), units: len(units)}
	if err := rec.Finish(nil); err != nil {
		b.Fatal(err)
	}
	if err := sp.Flush(flushCtx); err != nil {
		b.Fatal(err)
	}
	row.totalCPU, row.totalWall = cpuTime()-cpu0, time.Since(wall0)
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	row.allocBytes = m1.TotalAlloc - m0.TotalAlloc
	status := rec.Status()
	row.media, row.segments, row.stored = status.Duration, status.Segments, status.Bytes
	row.spooled, row.enqueues = cs.bytes.Load(), cs.enqueues.Load()
	if span := units[len(units)-1].DTS - units[0].DTS; row.media < span-2*recordSegment || status.Error != "" {
		b.Fatalf("recorded %v in %d segments (error %q) from %d units", row.media, row.segments, status.Error, len(units))
	}
	return row
}

func reportRecordCPU(b *testing.B, r recordCPURow) {
	b.ReportMetric(r.cpuPerHour(r.totalCPU), "cpu-s/media-h")
	b.ReportMetric(r.cpuPerHour(r.runCPU), "run-cpu-s/media-h")
	b.ReportMetric(100*r.totalCPU.Seconds()/r.media.Seconds(), "cpu-%-realtime")
	b.ReportMetric(float64(r.stored)/r.hours()/1e6, "stored-MB/media-h")
	b.ReportMetric(float64(r.spooled)/r.hours()/1e6, "spooled-MB/media-h")
	b.ReportMetric(r.media.Seconds()/r.totalWall.Seconds(), "x-realtime")
}

func printRecordCPUTable(w io.Writer, rows []recordCPURow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nrecord output CPU: a Recording (%s segments) fed fixture units as fast as it takes them, spool over a local\n", recordSegment)
	fmt.Fprintf(w, "store (fsyncs on %s), in this process alone (getrusage RUSAGE_SELF user+sys), %d CPUs; the median of %d runs\n",
		os.TempDir(), runtime.NumCPU(), recordRepeats)
	fmt.Fprintf(w, "%-13s %8s %5s %8s %12s %9s %12s %13s %7s %5s %11s\n", "case", "media", "segs",
		"CPU s/h", "Run CPU s/h", "%core RT", "stored MB/h", "spooled MB/h", "enq/seg", "x RT", "alloc MB/h")
	for _, r := range rows {
		fmt.Fprintf(w, "%-13s %8s %5d %8.2f %12.2f %8.3f%% %12.1f %13.1f %7.1f %5.0f %11.0f\n",
			r.name, r.media.Round(time.Second), r.segments, r.cpuPerHour(r.totalCPU), r.cpuPerHour(r.runCPU),
			100*r.totalCPU.Seconds()/r.media.Seconds(), float64(r.stored)/r.hours()/1e6,
			float64(r.spooled)/r.hours()/1e6, float64(r.enqueues)/float64(max(r.segments, 1)),
			r.media.Seconds()/r.totalWall.Seconds(), float64(r.allocBytes)/r.hours()/1e6)
	}
	fmt.Fprintf(w, "CPU s/h: CPU seconds per hour of media for Run + Finish + the spool drained to the store; Run CPU s/h: Run alone\n")
	fmt.Fprintf(w, "  (uploads run concurrently). %%core RT: the share of one core the record output takes at real time (CPU / media).\n")
	fmt.Fprintf(w, "stored: inits + segments; spooled: every byte enqueued, with the playlist and manifest rewritten after each\n")
	fmt.Fprintf(w, "  segment (their size grows with the recording). x RT: media seconds recorded per wall second.\n\n")
}
