package record

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
)

// BenchmarkRecordingUploads simulates recordings of 4 and 12 hours in
// 4 s segments of 1 MB through the recorder and reports the bytes it
// spools per media byte; at the end it stops the recording with its
// manifest in a local store and times stop → complete: Finish (the
// playlist, head and chunk written to the store) until the catalog reads
// the whole manifest back as complete, as GET /v1/recordings/{id} does.
func BenchmarkRecordingUploads(b *testing.B) {
	for _, hours := range []int{4, 12} {
		b.Run(fmt.Sprintf("%dh", hours), func(b *testing.B) {
			for range b.N {
				benchRecordingUploads(b, hours)
			}
		})
	}
}

func benchRecordingUploads(b *testing.B, hours int) {
	b.StopTimer()
	n := hours * 3600 / 4
	st, err := local.Open(filepath.Join(b.TempDir(), "store"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sp := newCountingSpool(st)
	r := startCounted(b, sp)
	simulate(b, r, n, 1<<20)
	ctx := context.Background()
	if err := sp.storeLatest(ctx); err != nil {
		b.Fatal(err)
	}
	if err := st.Put(ctx, archive.IndexEntryKey("acme", "hall", r.ID()), strings.NewReader("x\n"), 2); err != nil {
		b.Fatal(err)
	}
	before := sp.enqueued()
	cat := archive.NewCatalog(st)
	b.StartTimer()
	t0 := time.Now()
	if err := r.Finish(nil); err != nil {
		b.Fatal(err)
	}
	m, err := cat.Get(ctx, "acme", r.ID())
	stop := time.Since(t0)
	b.StopTimer()
	if err != nil || m.Status != archive.StatusComplete || len(m.Segments) != n {
		b.Fatalf("after stop: %v", err)
	}
	ratio := float64(sp.media+sp.other) / float64(sp.media)
	b.ReportMetric(ratio, "uploaded/media")
	b.ReportMetric(float64(stop.Microseconds())/1000, "stop-complete-ms")
	fmt.Fprintf(os.Stderr, "recording %2d h (%5d segments of 4 s, 1 MiB): uploaded %.4f× the media (%.1f MB besides %.0f MB of media); "+
		"stop → complete %.1f ms (Finish writing %d objects to a local store, then the catalog reading the %d-chunk manifest)\n",
		hours, n, ratio, float64(sp.other)/1e6, float64(sp.media)/1e6, float64(stop.Microseconds())/1000,
		sp.enqueued()-before, n/archive.ChunkSegments)
}
