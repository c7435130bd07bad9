package bench

import (
	"context"
	bin "encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/s3"
	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/storage/storetest"
)

// uploadSizes are the objects a recording spools: segments (a 4 s
// segment at 2 Mbit/s is about 1 MB) and the small playlist and manifest
// rewritten after each.
// With 8 recordings, the spool's workers upload them in parallel (each
// recording's objects still in order).
var uploadSizes = []struct {
	name          string
	size, n, recs int
}{
	{"1MiB", 1 << 20, 64, 1},
	{"16KiB", 16 << 10, 256, 1},
	{"1MiB-8rec", 1 << 20, 64, 8},
	{"16KiB-8rec", 16 << 10, 256, 8},
}

// uploadRow is one backend and object size measured.
type uploadRow struct {
	backend, size string
	objects       int
	bytes         int64
	enqueue       time.Duration // all Enqueues (write + fsync into the spool)
	upload        time.Duration // spool Run from start to Flush returning
	uploadCPU     time.Duration // this process's CPU meanwhile (the store's client; not MinIO)
}

func (r uploadRow) mbps(d time.Duration) float64 { return float64(r.bytes) / 1e6 / d.Seconds() }

// BenchmarkRecordUpload measures the spool's upload throughput: objects
// are enqueued first, then one spool Run uploads them in order, one at a
// time as it does in service, to a local store and to a real MinIO on
// 127.0.0.1, until Flush sees it empty.
func BenchmarkRecordUpload(b *testing.B) {
	var rows []uploadRow
	run := func(b *testing.B, backend string, st storage.Store) {
		for _, sz := range uploadSizes {
			b.Run(sz.name, func(b *testing.B) {
				var row uploadRow
				for i := 0; i < b.N; i++ {
					row = benchUpload(b, st, sz.size, sz.n, sz.recs)
				}
				row.backend, row.size = backend, sz.name
				b.ReportMetric(row.mbps(row.upload), "MB/s")
				b.ReportMetric(float64(row.objects)/row.upload.Seconds(), "objects/s")
				b.ReportMetric(row.mbps(row.enqueue), "enqueue-MB/s")
				rows = append(rows, row)
			})
		}
	}
	b.Run("local", func(b *testing.B) {
		st, err := local.Open(filepath.Join(b.TempDir(), "store"), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, "local", st)
	})
	b.Run("s3", func(b *testing.B) {
		m := storetest.StartMinIO(b)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := s3.Open(ctx, s3.Config{
			Endpoint: m.Endpoint, Region: m.Region, Bucket: "bench", PathStyle: true,
			AccessKey: m.AccessKey, SecretKey: m.SecretKey, CreateBucket: true,
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, "s3 (MinIO)", st)
	})
	printUploadTable(os.Stderr, rows)
}

// benchUpload enqueues n objects of size bytes, spread over recs
// recordings, into a fresh spool, then times their upload.
func benchUpload(b *testing.B, st storage.Store, size, n, recs int) uploadRow {
	b.StopTimer()
	sp, err := spool.Open(filepath.Join(b.TempDir(), "spool"), st, spool.Options{
		MaxBytes: 4 << 30, MinBackoff: 10 * time.Millisecond, Group: archive.Group,
	})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{}).Read(data)
	ids := make([]string, recs)
	for i := range ids {
		ids[i] = archive.NewID(time.Now())
	}
	row := uploadRow{objects: n, bytes: int64(size) * int64(n)}
	t0 := time.Now()
	for i := range n {
		bin.BigEndian.PutUint64(data, uint64(i)) // every object differs
		if err := sp.Enqueue(archive.Key("bench", "hall", ids[i%recs], archive.SegmentName(uint64(i))), data); err != nil {
			b.Fatal(err)
		}
	}
	row.enqueue = time.Since(t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.StartTimer()
	cpu0, t1 := cpuTime(), time.Now()
	go func() { defer close(done); _ = sp.Run(ctx) }()
	fctx, fcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer fcancel()
	err = sp.Flush(fctx)
	row.upload, row.uploadCPU = time.Since(t1), cpuTime()-cpu0
	b.StopTimer()
	cancel()
	<-done
	if err != nil {
		b.Fatalf("upload %d × %d bytes: %v (spool: %+v)", n, size, err, sp.Status())
	}
	lctx, lcancel := context.WithTimeout(context.Background(), time.Minute)
	defer lcancel()
	stored := 0
	for _, id := range ids {
		objs, err := st.List(lctx, archive.Prefix("bench", "hall", id), "", n+1)
		if err != nil {
			b.Fatal(err)
		}
		stored += len(objs)
	}
	if stored != n {
		b.Fatalf("store lists %d objects, want %d", stored, n)
	}
	return row
}

func printUploadTable(w io.Writer, rows []uploadRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nspool upload throughput: objects enqueued first, then one spool Run uploads them (one Put at a time per recording, recordings in parallel)\n")
	fmt.Fprintf(w, "%-11s %6s %7s %8s %10s %9s %9s %12s %13s %10s\n",
		"backend", "size", "objects", "MB", "MB/s", "objects/s", "ms/object", "client CPU %", "enqueue MB/s", "enqueue ms")
	for _, r := range rows {
		fmt.Fprintf(w, "%-11s %6s %7d %8.1f %10.1f %9.0f %9.2f %11.0f%% %13.1f %10.2f\n",
			r.backend, r.size, r.objects, float64(r.bytes)/1e6, r.mbps(r.upload),
			float64(r.objects)/r.upload.Seconds(), 1000*r.upload.Seconds()/float64(r.objects),
			100*r.uploadCPU.Seconds()/r.upload.Seconds(), r.mbps(r.enqueue),
			1000*r.enqueue.Seconds()/float64(r.objects))
	}
	fmt.Fprintf(w, "MB/s and objects/s: from the start of Run until Flush returns (Put, then removal of the spool entry).\n")
	fmt.Fprintf(w, "client CPU: this process (spool + store client) during the upload, %% of one core; MinIO's own is not counted.\n")
	fmt.Fprintf(w, "enqueue MB/s: Enqueue into the spool (temp file, fsync, rename, dir fsync), what the record output waits for;\n")
	fmt.Fprintf(w, "  enqueue ms: per object.\n\n")
}
