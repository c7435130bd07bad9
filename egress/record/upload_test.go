package record

import (
	"bytes"
	"context"
	"log/slog"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/spool"
)

// countingSpool counts what a recording spools: media segments apart
// from the rest (manifest heads and chunks, playlist). It keeps the
// newest data of every other object, and writes them to store at once
// once through is set.
type countingSpool struct {
	mu      sync.Mutex
	media   int64
	other   int64
	objects map[string]int    // enqueues by object name
	latest  map[string][]byte // newest non-media data by key
	store   storage.Store
	through bool
}

func newCountingSpool(st storage.Store) *countingSpool {
	return &countingSpool{objects: map[string]int{}, latest: map[string][]byte{}, store: st}
}

func (c *countingSpool) Enqueue(key string, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := path.Base(key)
	c.objects[name]++
	if strings.HasSuffix(name, ".m4s") {
		c.media += int64(len(data))
		return nil
	}
	c.other += int64(len(data))
	if c.through {
		return c.store.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)))
	}
	c.latest[key] = data
	return nil
}

func (c *countingSpool) EnqueueExpendableFile(string, string, func()) error { return nil }
func (c *countingSpool) Status() spool.Status                               { return spool.Status{} }

// storeLatest writes the newest of every non-media object to the store,
// and every later one at once.
func (c *countingSpool) storeLatest(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, data := range c.latest {
		if err := c.store.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			return err
		}
	}
	c.through = true
	return nil
}

// enqueued is how many objects were enqueued in all.
func (c *countingSpool) enqueued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.objects {
		n += k
	}
	return n
}

// simulate records n segments of 4 s and size bytes (the same data,
// whose hash each segment still computes) through r's own addSegment.
func simulate(tb testing.TB, r *Recording, n, size int) {
	tb.Helper()
	data := bytes.Repeat([]byte{0x5a}, size)
	r.cut.initName = archive.InitName(0)
	r.noteInit(r.cut.initName, []byte("init"), []*media.Track{{Codec: media.CodecH264, Width: 1280, Height: 720}})
	for i := range n {
		d := time.Duration(i) * 4 * time.Second
		seg := &mux.Segment{Data: data, Sequence: uint64(i), PTS: d, Start: d, Duration: 4 * time.Second, Key: true}
		if err := r.addSegment(seg); err != nil {
			tb.Fatal(err)
		}
	}
}

func startCounted(tb testing.TB, sp *countingSpool) *Recording {
	tb.Helper()
	r, err := Start(Config{
		ID: archive.NewID(time.Now()), Tenant: "acme", Room: "hall", Egress: "EG_1",
		Spool: sp, WorkDir: tb.TempDir(), Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// TestFourHourRecordingUploadsLinearly simulates 4 h of 4 s segments of
// 1 MB through the recorder: everything it spools besides the media
// (manifest heads and chunks, playlist) adds at most 5 % to the media
// bytes, the playlist is written once, at the end, and stopping writes a
// bounded number of objects.
func TestFourHourRecordingUploadsLinearly(t *testing.T) {
	const n, size = 3600, 1 << 20
	sp := newCountingSpool(nil)
	r := startCounted(t, sp)
	simulate(t, r, n, size)
	if got := sp.objects[archive.PlaylistName]; got != 0 {
		t.Errorf("playlist spooled %d times while recording, want 0", got)
	}
	before := sp.enqueued()
	if err := r.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if atStop := sp.enqueued() - before; atStop > 3 {
		t.Errorf("Finish spooled %d objects, want at most the playlist, the head and one chunk", atStop)
	}
	if sp.objects[archive.PlaylistName] != 1 {
		t.Errorf("playlist spooled %d times, want once at the end", sp.objects[archive.PlaylistName])
	}
	if ratio := float64(sp.media+sp.other) / float64(sp.media); sp.media != n*size || ratio > 1.05 {
		t.Errorf("%d media bytes (want %d), %d other: %.4f× the media", sp.media, n*size, sp.other, ratio)
	}
	t.Logf("%d segments: %d bytes besides the media, %.3f %% of it", n, sp.other, 100*float64(sp.other)/float64(sp.media))
}

// TestChunkedRecordingReadsBack: a recording long enough for sealed
// chunks, stored and read back through the catalog, lists every
// segment, and a takeover resumes from it without writing its chunks
// again.
func TestChunkedRecordingReadsBack(t *testing.T) {
	e := newEnv(t, 1<<30)
	sp := newCountingSpool(e.store)
	r := startCounted(t, sp)
	simulate(t, r, 2*archive.ChunkSegments+7, 100)
	if err := sp.storeLatest(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := e.cat.Manifest(context.Background(), "acme", "hall", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Segments) != 2*archive.ChunkSegments+7 || m.Status != archive.StatusRecording || m.Segments[150].Sequence != 150 {
		t.Fatalf("read back %d segments, %s", len(m.Segments), m.Status)
	}
	r.Abandon()
	sp2 := newCountingSpool(e.store)
	sp2.through = true
	r2, err := Start(Config{ID: r.ID(), Tenant: "acme", Room: "hall", Spool: sp2, WorkDir: t.TempDir(), Resume: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Finish(nil); err != nil {
		t.Fatal(err)
	}
	for name := range sp2.objects {
		if strings.HasPrefix(name, "index-") {
			t.Errorf("the resumed recorder wrote chunk %s again", name)
		}
	}
	m, err = e.cat.Manifest(context.Background(), "acme", "hall", r.ID())
	if err != nil || len(m.Segments) != 2*archive.ChunkSegments+7 || m.Status != archive.StatusComplete || m.Generation != 1 {
		t.Fatalf("after the resumed recorder finished: %v", err)
	}
}
