package record

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rawrec"
	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/test/mediafixture"
	"github.com/roomcast/roomcast/test/testutil"
)

// fullFor is a Spool that refuses, as full, the segments whose names
// refuse picks; everything else goes to the real spool.
type fullFor struct {
	*spool.Spool
	refuse   func(name string) bool
	onRefuse func(name string)
	refused  []string
}

func (f *fullFor) Enqueue(key string, data []byte) error {
	if name := filepath.Base(key); f.refuse(name) {
		f.refused = append(f.refused, name)
		if f.onRefuse != nil {
			f.onRefuse(name)
		}
		return fmt.Errorf("spool: enqueue %q: %w: test", key, spool.ErrSpoolFull)
	}
	return f.Spool.Enqueue(key, data)
}

func TestSegmentsDroppedWhileSpoolFullAreCountedGaps(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	sp := &fullFor{Spool: e.spool, refuse: func(name string) bool {
		return slices.Contains([]string{archive.SegmentName(3), archive.SegmentName(4), archive.SegmentName(5)}, name)
	}}
	var r *Recording
	r, err := Start(Config{ID: archive.NewID(time.Now()), Tenant: "acme", Room: "hall", SegmentDuration: time.Second, Spool: sp, WorkDir: e.work})
	if err != nil {
		t.Fatal(err)
	}
	var during Status
	sp.onRefuse = func(name string) {
		if name == archive.SegmentName(5) {
			during = r.Status() // two dropped so far, the third on its way
		}
	}
	m := e.record(t, r, fx.Units)
	if !during.Degraded || !strings.Contains(during.Error, "dropped") || during.Dropped.Segments != 2 {
		t.Fatalf("Status while dropping = %+v", during)
	}
	if len(sp.refused) != 3 {
		t.Fatalf("refused %q", sp.refused)
	}
	if m.Dropped == nil || m.Dropped.Segments != 3 || m.Dropped.Bytes <= 0 || m.Dropped.Raw != 0 {
		t.Fatalf("manifest dropped = %+v, want 3 segments with their bytes", m.Dropped)
	}
	var gap *archive.Discontinuity
	for i := range m.Discontinuities {
		if m.Discontinuities[i].Sequence == 6 {
			gap = &m.Discontinuities[i]
		}
	}
	if gap == nil || !strings.Contains(gap.Reason, "3 segment(s) dropped") {
		t.Fatalf("discontinuities %+v, want one before segment 6 counting 3 dropped", m.Discontinuities)
	}
	for i, s := range m.Segments {
		if s.Sequence >= 3 && s.Sequence <= 5 {
			t.Errorf("manifest names dropped segment %d", s.Sequence)
		}
		if i > 0 && s.Sequence != m.Segments[i-1].Sequence+1 && !(s.Discontinuity && s.Sequence == 6) {
			t.Errorf("segment %d follows %d without a counted gap", s.Sequence, m.Segments[i-1].Sequence)
		}
	}
	if st := r.Status(); st.Dropped.Segments != 3 {
		t.Errorf("Status after the gap = %+v", st)
	}
	checkStored(t, e, m)
}

// gateStore is a store whose Puts fail while it is down.
type gateStore struct {
	*local.Store
	down atomic.Bool
}

var errDown = errors.New("store down")

func (g *gateStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if g.down.Load() {
		return errDown
	}
	return g.Store.Put(ctx, key, r, size)
}

// partFile writes a raw part of n bytes as rawrec would hand it over.
func partFile(t *testing.T, dir, name string, n int) rawrec.File {
	t.Helper()
	p := filepath.Join(dir, strings.ReplaceAll(name, "/", "_"))
	if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return rawrec.File{Path: p, Name: name, Participant: "P1", TrackID: "cam", Codec: media.CodecH264, Duration: time.Minute, Size: int64(n)}
}

func TestRawPartsEvictedAndRefusedLeaveTheManifest(t *testing.T) {
	dir := t.TempDir()
	st, err := local.Open(filepath.Join(dir, "store"), nil)
	if err != nil {
		t.Fatal(err)
	}
	store := &gateStore{Store: st}
	store.down.Store(true)
	sp, err := spool.Open(filepath.Join(dir, "spool"), store, spool.Options{MaxBytes: 1 << 20, Group: archive.Group, MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sp.Run(ctx) })
	defer func() { cancel(); wg.Wait(); _ = st.Close() }()
	e := &env{store: st, spool: sp, cat: archive.NewCatalog(st), work: filepath.Join(dir, "work")}

	r := e.start(t, time.Second)
	// Once uploads fail, the first manifest is the upload in flight of
	// the recording's group, and the raw parts wait behind it.
	testutil.Eventually(t, 10*time.Second, "a failing upload", func() bool { return sp.Status().Degraded })
	r.rawFile(partFile(t, dir, "P1/cam-0001.mp4", 400<<10))
	r.rawFile(partFile(t, dir, "P1/cam-0002.mp4", 300<<10))
	// Another recording's 500 KiB segment evicts the oldest part only.
	if err := sp.Enqueue("acme/hall/"+archive.NewID(time.Now())+"/seg-000000.m4s", make([]byte, 500<<10)); err != nil {
		t.Fatalf("segment evicting a raw part: %v", err)
	}
	// A part larger than the whole spool is refused.
	r.rawFile(partFile(t, dir, "P1/cam-0003.mp4", 2<<20))
	var raw []archive.RawFile
	var dropped archive.Dropped
	testutil.Eventually(t, 10*time.Second, "the eviction in the manifest", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		raw = slices.Clone(r.man.Raw)
		if r.man.Dropped != nil {
			dropped = *r.man.Dropped
		}
		return dropped.Raw == 2
	})
	if len(raw) != 1 || raw[0].Name != archive.RawDir+"P1/cam-0002.mp4" || dropped.Bytes != 400<<10+2<<20 {
		t.Fatalf("raw %+v, dropped %+v; want cam-0002 kept, cam-0001 and cam-0003 dropped", raw, dropped)
	}
	if st := r.Status(); st.Dropped.Raw != 2 || !st.Degraded {
		t.Fatalf("Status = %+v", st)
	}
	store.down.Store(false)
	m := e.finish(t, r)
	if m.Dropped == nil || m.Dropped.Raw != 2 || len(m.Raw) != 1 {
		t.Fatalf("stored manifest: raw %+v, dropped %+v", m.Raw, m.Dropped)
	}
	checkStored(t, e, m)
	if _, err := st.Stat(context.Background(), archive.Key("acme", "hall", r.ID(), archive.RawDir+"P1/cam-0001.mp4")); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("evicted part reached the store: %v", err)
	}
}

// checkStored checks that every object the manifest names is stored with
// its size and hash.
func checkStored(t *testing.T, e *env, m *archive.Manifest) {
	t.Helper()
	for _, f := range m.Raw {
		rc, err := e.cat.Open(context.Background(), m, f.Name)
		if err != nil {
			t.Fatalf("raw part %s named but not stored: %v", f.Name, err)
		}
		rc.Close()
	}
	e.checkHashes(t, m)
}
