package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
)

// puts counts what an IndexWriter writes, by name, and stores it.
type puts struct {
	t      *testing.T
	st     storage.Store // nil: count only
	m      *archive.Manifest
	n      map[string]int
	bytes  int64
	last   []byte // the last manifest.json
	maxLen int    // of any manifest.json
}

func newPuts(t *testing.T, st storage.Store, m *archive.Manifest) *puts {
	return &puts{t: t, st: st, m: m, n: map[string]int{}}
}

func (p *puts) put(name string, b []byte) error {
	p.n[name]++
	p.bytes += int64(len(b))
	if name == archive.ManifestName {
		p.last, p.maxLen = b, max(p.maxLen, len(b))
	}
	if p.st != nil {
		put(p.t, p.st, archive.Key(p.m.Tenant, p.m.Room, p.m.ID, name), b)
	}
	return nil
}

// chunkNames are the chunk objects written, in name order.
func (p *puts) chunkNames() []string {
	var out []string
	for name := range p.n {
		if name != archive.ManifestName {
			out = append(out, name)
		}
	}
	return out
}

// segment is segment seq of a recording in 4 s segments of size bytes,
// as a recorder lists it.
func segment(seq uint64, size int64, t0 time.Time) archive.Segment {
	sum := sha256.Sum256([]byte(fmt.Sprint(seq)))
	return archive.Segment{
		File:     archive.File{Name: archive.SegmentName(seq), Size: size, SHA256: hex.EncodeToString(sum[:])},
		Sequence: seq, Init: archive.InitName(0), Start: float64(4 * seq), Duration: 4,
		Wall: t0.Add(time.Duration(seq) * 4 * time.Second),
	}
}

// grow adds n segments to m, writing it through w after each, as a
// recorder does.
func grow(t *testing.T, m *archive.Manifest, w *archive.IndexWriter, p *puts, n int, size int64) {
	t.Helper()
	for range n {
		m.Segments = append(m.Segments, segment(uint64(len(m.Segments)), size, m.StartedAt))
		m.Duration += 4
		m.Size += size
		if err := w.Write(m, p.put); err != nil {
			t.Fatal(err)
		}
	}
}

func emptyManifest(start time.Time) *archive.Manifest {
	m := newManifest("acme", "hall", start, archive.StatusRecording)
	m.Segments = nil
	m.Size, m.Duration = 4, 0
	return m
}

// TestChunkedManifestRoundTrip: a manifest written as head and chunks
// reads back whole, each chunk written once, the head listing only the
// segments after the sealed chunks.
func TestChunkedManifestRoundTrip(t *testing.T) {
	st := openStore(t)
	m := emptyManifest(time.Now())
	p := newPuts(t, st, m)
	var w archive.IndexWriter
	grow(t, m, &w, p, 2*archive.ChunkSegments+50, 1<<20)
	put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
	chunks := p.chunkNames()
	if len(chunks) != 2 {
		t.Fatalf("chunks written: %v, want 2", chunks)
	}
	for _, name := range chunks {
		if p.n[name] != 1 || !strings.HasPrefix(name, "index-0000") {
			t.Errorf("chunk %s written %d times", name, p.n[name])
		}
	}
	if !bytes.Contains(p.last, []byte(`"chunks":[`)) || bytes.Count(p.last, []byte(`"sequence"`)) != 50 {
		t.Errorf("head does not name its chunks and list 50 segments:\n%.400s", p.last)
	}
	if _, err := archive.ParseManifest(p.last); !errors.Is(err, archive.ErrChunked) {
		t.Errorf("ParseManifest of a chunked head: %v, want ErrChunked", err)
	}
	got, err := archive.NewCatalog(st).Get(context.Background(), "acme", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Segments, m.Segments) || got.Size != m.Size || got.Status != m.Status {
		t.Errorf("read back %d segments (size %d, %s), want %d (%d, %s)",
			len(got.Segments), got.Size, got.Status, len(m.Segments), m.Size, m.Status)
	}
	page, err := archive.NewCatalog(st).List(context.Background(), "acme", archive.Query{})
	if err != nil || len(page.Recordings) != 1 {
		t.Fatalf("List: %d recordings, %v", len(page.Recordings), err)
	}
	if l := page.Recordings[0]; l.SegmentCount() != len(m.Segments) || len(l.Segments) != 0 || l.Size != m.Size {
		t.Errorf("listed with %d segments (%d held, size %d), want a summary of %d (size %d)", l.SegmentCount(), len(l.Segments), l.Size, len(m.Segments), m.Size)
	}
	if err := new(archive.IndexWriter).Write(page.Recordings[0], func(string, []byte) error { return nil }); err == nil {
		t.Error("a listed summary was written as a manifest")
	}
	b, err := got.Marshal()
	if err != nil || bytes.Contains(b, []byte("chunks")) || bytes.Count(b, []byte(`"sequence"`)) != len(m.Segments) {
		t.Errorf("the assembled manifest marshals with its chunks or without every segment: %v", err)
	}
}

// TestNewRecordingListsNoSegments: a recording with no segment yet reads
// back with "segments": [] (as version 1 manifests do), not null, which
// clients iterating the list would trip on.
func TestNewRecordingListsNoSegments(t *testing.T) {
	st := openStore(t)
	m := emptyManifest(time.Now())
	p := newPuts(t, st, m)
	if err := new(archive.IndexWriter).Write(m, p.put); err != nil {
		t.Fatal(err)
	}
	put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
	got, err := archive.NewCatalog(st).Get(context.Background(), "acme", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := got.Marshal()
	if err != nil || !bytes.Contains(b, []byte(`"segments":[]`)) {
		t.Errorf("a recording without segments marshals as %.300s (%v), want \"segments\":[]", b, err)
	}
}

// TestChunkedManifestUploadsLinearly simulates recordings of 4 and 12
// hours in 4 s segments of 1 MB: the manifest objects written after every
// segment add at most 5 % to the media bytes, and the head stays small.
func TestChunkedManifestUploadsLinearly(t *testing.T) {
	for _, hours := range []int{4, 12} {
		t.Run(fmt.Sprintf("%dh", hours), func(t *testing.T) {
			const size = 1 << 20
			n := hours * 3600 / 4
			m := emptyManifest(time.Now())
			p := newPuts(t, nil, m)
			var w archive.IndexWriter
			grow(t, m, &w, p, n, size)
			media := int64(n) * size
			if ratio := float64(media+p.bytes) / float64(media); ratio > 1.05 {
				t.Errorf("%d segments: %d manifest bytes for %d media bytes: %.4f× the media", n, p.bytes, media, ratio)
			}
			if len(p.chunkNames()) != n/archive.ChunkSegments {
				t.Errorf("%d chunks written, want %d", len(p.chunkNames()), n/archive.ChunkSegments)
			}
			// The head holds fewer than ChunkSegments segments and a chunk
			// name per 100: under 30 KB even at 12 h.
			if p.maxLen > 64<<10 {
				t.Errorf("largest manifest.json %d bytes", p.maxLen)
			}
			t.Logf("%d segments: manifest bytes %d (%.3f %% of the media), largest head %d bytes",
				n, p.bytes, 100*float64(p.bytes)/float64(media), p.maxLen)
		})
	}
}

// TestMergeRewritesOnlyChangedChunks: orphans merged into the middle of a
// chunked manifest renumber what follows them: the chunks before keep
// their objects, the changed ones are written under new names, and the
// whole reads back as merged.
func TestMergeRewritesOnlyChangedChunks(t *testing.T) {
	st := openStore(t)
	m := emptyManifest(time.Now())
	p := newPuts(t, st, m)
	var w archive.IndexWriter
	grow(t, m, &w, p, 150, 1000)
	// A later generation goes on after a takeover.
	m.Generation = 1
	for i := range 150 {
		s := segment(uint64(150+i), 1000, m.StartedAt)
		s.Name = archive.GenName(1, s.Name)
		m.Segments = append(m.Segments, s)
	}
	if err := w.Write(m, p.put); err != nil {
		t.Fatal(err)
	}
	before := p.chunkNames()
	o := archive.Orphans{Generation: 0, Segments: []archive.Segment{segment(150, 1000, m.StartedAt), segment(151, 1000, m.StartedAt)}}
	if _, err := m.MergeOrphans(o); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(m, p.put); err != nil {
		t.Fatal(err)
	}
	for _, name := range p.chunkNames() {
		if p.n[name] != 1 {
			t.Errorf("chunk %s written %d times", name, p.n[name])
		}
	}
	// Chunk 0 (segments 0-99) is unchanged; chunks 1 and 2 are new.
	if got := len(p.chunkNames()); got != len(before)+2 {
		t.Errorf("%d chunks after the merge, %d before; want 2 new", got, len(before))
	}
	put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
	got, err := archive.NewCatalog(st).Get(context.Background(), "acme", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Segments, m.Segments) || len(got.Segments) != 302 {
		t.Errorf("read back %d segments, want the merged %d", len(got.Segments), len(m.Segments))
	}
	// A writer that starts from the stored manifest writes no chunk again.
	again := newPuts(t, st, got)
	if err := new(archive.IndexWriter).Write(got, again.put); err != nil || len(again.chunkNames()) != 0 {
		t.Errorf("rewriting the stored manifest wrote chunks %v (%v)", again.chunkNames(), err)
	}
}

// TestChunkTamperedOrMissing: a chunk that does not match the head's
// hash, or is missing, makes the manifest unreadable, not short.
func TestChunkTamperedOrMissing(t *testing.T) {
	st := openStore(t)
	m := emptyManifest(time.Now())
	p := newPuts(t, st, m)
	var w archive.IndexWriter
	grow(t, m, &w, p, archive.ChunkSegments+1, 1000)
	put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
	key := archive.Key(m.Tenant, m.Room, m.ID, p.chunkNames()[0])
	put(t, st, key, []byte(`{"version":2}`))
	cat := archive.NewCatalog(st)
	if _, err := cat.Get(context.Background(), "acme", m.ID); !errors.Is(err, archive.ErrBadManifest) {
		t.Errorf("tampered chunk: %v, want ErrBadManifest", err)
	}
	if err := st.Delete(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Get(context.Background(), "acme", m.ID); !errors.Is(err, archive.ErrBadManifest) {
		t.Errorf("missing chunk: %v, want ErrBadManifest", err)
	}
	// A listing reads heads alone: it still shows the recording, whole
	// in its count; only reading it whole reports the missing chunk.
	if page, err := cat.List(context.Background(), "acme", archive.Query{}); err != nil || len(page.Recordings) != 1 || page.Recordings[0].SegmentCount() != archive.ChunkSegments+1 {
		t.Errorf("List with a chunk missing: %d recordings, %v", len(page.Recordings), err)
	}
}

// TestVersion1ManifestReads: a manifest.json of the format before chunks
// (testdata/manifest-v1.json) still reads, whole.
func TestVersion1ManifestReads(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "manifest-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	const id, tenant, room = "REC_fe6b2a9c8b7f01234567", "acme", "lobby"
	put(t, st, archive.Key(tenant, room, id, archive.ManifestName), b)
	put(t, st, archive.IndexEntryKey(tenant, room, id), []byte("x\n"))
	m, err := archive.NewCatalog(st).Get(context.Background(), tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || len(m.Segments) != 2 || m.Segments[1].Name != "seg-000002.m4s" || len(m.Discontinuities) != 1 || m.Status != archive.StatusComplete {
		t.Errorf("version 1 manifest read as %+v", m)
	}
}

// rawPart is raw part k of a recording with tracks raw tracks, as a
// recorder lists it: each track closes a part every minute.
func rawPart(k int, tracks int, size int64) archive.RawFile {
	name := fmt.Sprintf("raw/p%02d/v-%05d.mp4", k%tracks, k/tracks)
	sum := sha256.Sum256([]byte(name))
	return archive.RawFile{File: archive.File{Name: name, Size: size, SHA256: hex.EncodeToString(sum[:])},
		Participant: fmt.Sprintf("p%02d", k%tracks), Track: "video", Codec: "h264", Duration: 60}
}

// TestRawPartsChunkedUploadsLinearly: a 12-hour recording with 20 raw
// tracks lists 14,400 raw parts; written after every segment and part as
// a recorder does, the manifest objects stay within 5 % of the media
// bytes (the raw list is sealed into chunks like the segments), the head
// stays small, and the whole reads back. An evicted part in a sealed
// chunk writes that chunk anew and nothing else.
func TestRawPartsChunkedUploadsLinearly(t *testing.T) {
	const (
		tracks   = 20
		segSize  = 1 << 20
		partSize = 1 << 20
		hours    = 12
	)
	st := openStore(t)
	m := emptyManifest(time.Now())
	p := newPuts(t, nil, m)
	var w archive.IndexWriter
	parts := 0
	for seq := range hours * 3600 / 4 {
		grow(t, m, &w, p, 1, segSize)
		if (seq+1)%15 != 0 { // a minute: every track closes a part
			continue
		}
		for range tracks {
			m.Raw = append(m.Raw, rawPart(parts, tracks, partSize))
			parts++
			if err := w.Write(m, p.put); err != nil {
				t.Fatal(err)
			}
		}
	}
	media := int64(len(m.Segments))*segSize + int64(parts)*partSize
	if ratio := float64(media+p.bytes) / float64(media); ratio > 1.05 {
		t.Errorf("%d segments and %d raw parts: %d manifest bytes, %.4f× the media", len(m.Segments), parts, p.bytes, ratio)
	}
	if p.maxLen > 64<<10 {
		t.Errorf("largest manifest.json %d bytes", p.maxLen)
	}
	raws := 0
	for _, name := range p.chunkNames() {
		if strings.HasPrefix(name, "rawindex-") {
			raws++
		}
		if p.n[name] != 1 {
			t.Errorf("chunk %s written %d times", name, p.n[name])
		}
	}
	if raws != parts/archive.ChunkSegments {
		t.Errorf("%d raw chunks written, want %d", raws, parts/archive.ChunkSegments)
	}
	t.Logf("%d segments, %d raw parts: manifest bytes %d (%.3f %% of the media), largest head %d bytes",
		len(m.Segments), parts, p.bytes, 100*float64(p.bytes)/float64(media), p.maxLen)

	// Store it, evict a part of the second raw chunk, read it back.
	stored := newPuts(t, st, m)
	if err := new(archive.IndexWriter).Write(m, stored.put); err != nil {
		t.Fatal(err)
	}
	put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
	cat := archive.NewCatalog(st)
	got, err := cat.Get(context.Background(), "acme", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Raw, m.Raw) || len(got.Segments) != len(m.Segments) {
		t.Fatalf("read back %d raw parts and %d segments, want %d and %d", len(got.Raw), len(got.Segments), len(m.Raw), len(m.Segments))
	}
	evicted := got.Raw[150].Name
	if _, ok := got.RemoveRaw(evicted); !ok {
		t.Fatal("RemoveRaw did not find a listed part")
	}
	if _, ok := got.RemoveRaw(evicted); ok {
		t.Fatal("RemoveRaw removed a part twice")
	}
	after := newPuts(t, st, got)
	if err := new(archive.IndexWriter).Write(got, after.put); err != nil {
		t.Fatal(err)
	}
	// Raw chunk 0 is unchanged; every later one shifted by one part.
	if n, want := len(after.chunkNames()), (parts-1)/archive.ChunkSegments-1; n != want {
		t.Errorf("the eviction wrote %d chunks, want %d (every raw chunk after the first)", n, want)
	}
	again, err := cat.Get(context.Background(), "acme", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Raw) != parts-1 || slices.ContainsFunc(again.Raw, func(f archive.RawFile) bool { return f.Name == evicted }) {
		t.Errorf("after the eviction: %d raw parts (want %d), evicted part still listed", len(again.Raw), parts-1)
	}
}
