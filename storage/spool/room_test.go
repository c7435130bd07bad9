package spool_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/spool"
)

// rawFile writes a file of n bytes to enqueue as a raw part.
func rawFile(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "part")
	if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// evictions records which expendable keys the spool evicted.
type evictions struct {
	mu   sync.Mutex
	keys []string
}

func (ev *evictions) enqueue(t *testing.T, s *spool.Spool, key string, n int) {
	t.Helper()
	if err := s.EnqueueExpendableFile(key, rawFile(t, n), func() {
		ev.mu.Lock()
		ev.keys = append(ev.keys, key)
		ev.mu.Unlock()
	}); err != nil {
		t.Fatalf("EnqueueExpendableFile %s: %v", key, err)
	}
}

func (ev *evictions) list() []string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return slices.Clone(ev.keys)
}

func TestFullSpoolEvictsOldestRawPartsFirst(t *testing.T) {
	dir, store := t.TempDir(), newFakeStore(0)
	s := open(t, dir, store, spool.Options{MaxBytes: 100, MinBackoff: time.Millisecond})
	var ev evictions
	if err := s.Enqueue("t/r/seg-1", make([]byte, 30)); err != nil {
		t.Fatal(err)
	}
	ev.enqueue(t, s, "t/r/raw/a-1", 30)
	ev.enqueue(t, s, "t/r/raw/a-2", 30)
	// 90 of 100 bytes: a segment of 30 evicts the older raw part only.
	if err := s.Enqueue("t/r/seg-2", make([]byte, 30)); err != nil {
		t.Fatalf("segment with a raw part to evict: %v", err)
	}
	if got := ev.list(); !slices.Equal(got, []string{"t/r/raw/a-1"}) {
		t.Fatalf("evicted %q, want the oldest raw part", got)
	}
	// A new raw part may evict an older raw part, never a segment; and
	// nothing is evicted when evicting could not make room.
	ev.enqueue(t, s, "t/r/raw/a-3", 30)
	if err := s.EnqueueExpendableFile("t/r/raw/a-4", rawFile(t, 70), func() {}); !errors.Is(err, spool.ErrSpoolFull) {
		t.Fatalf("raw part that only evicting segments would fit = %v, want ErrSpoolFull", err)
	}
	if got := ev.list(); len(got) != 2 {
		t.Fatalf("evicted %q, want a-1 and a-2 only", got)
	}
	if err := s.Enqueue("t/r/seg-3", make([]byte, 30)); err != nil {
		t.Fatalf("segment evicting the last raw part: %v", err)
	}
	if err := s.Enqueue("t/r/seg-4", make([]byte, 30)); !errors.Is(err, spool.ErrSpoolFull) {
		t.Fatalf("segment with nothing to evict = %v, want ErrSpoolFull", err)
	}
	st := s.Status()
	if st.Evicted != 3 || st.EvictedBytes != 90 || st.Refused != 2 || st.RefusedBytes != 100 || !st.Full {
		t.Fatalf("Status after evictions = %+v", st)
	}
	if got := ev.list(); !slices.Equal(got, []string{"t/r/raw/a-1", "t/r/raw/a-2", "t/r/raw/a-3"}) {
		t.Fatalf("evicted %q, want every raw part, oldest first", got)
	}
	if n := len(dirEntries(t, dir)); n != 6 {
		t.Fatalf("spool dir holds %d files, want 6 (three segments)", n)
	}
	run(t, s)
	flush(t, s)
	if _, order, _ := store.snapshot(); !slices.Equal(order, []string{"t/r/seg-1", "t/r/seg-2", "t/r/seg-3"}) {
		t.Fatalf("uploaded %q, want the three segments", order)
	}
	if err := s.Enqueue("t/r/seg-4", make([]byte, 30)); err != nil || s.Status().Full {
		t.Fatalf("Enqueue after draining = %v, Full %v", err, s.Status().Full)
	}
	flush(t, s)
}

func TestRewrittenKeyFitsAFullSpool(t *testing.T) {
	s := open(t, t.TempDir(), newFakeStore(0), spool.Options{MaxBytes: 100})
	if err := s.Enqueue("t/r/seg-1", make([]byte, 60)); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue("t/r/manifest.json", make([]byte, 40)); err != nil {
		t.Fatal(err)
	}
	// The spool is full, but a newer manifest replaces the waiting one.
	if err := s.Enqueue("t/r/manifest.json", make([]byte, 40)); err != nil {
		t.Fatalf("rewriting a waiting key in a full spool: %v", err)
	}
	if st := s.Status(); st.PendingBytes != 100 || st.Superseded != 1 {
		t.Fatalf("Status = %+v", st)
	}
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestHoldTimeFromInputRate(t *testing.T) {
	clk := &clock{now: time.Unix(1_000_000, 0)}
	var free int64 = 1 << 40
	var freeMu sync.Mutex
	setFree := func(n int64) { freeMu.Lock(); free = n; freeMu.Unlock() }
	s := open(t, t.TempDir(), newFakeStore(0), spool.Options{
		MaxBytes: 10_000, Hold: 100 * time.Second, Now: clk.Now,
		DiskFree: func(string) (int64, error) { freeMu.Lock(); defer freeMu.Unlock(); return free, nil },
	})
	if st := s.Status(); st.Rate != 0 || st.HoldLeft != -1 || st.Low != "" || st.Limit != 10_000 {
		t.Fatalf("Status without input = %+v", st)
	}
	// 20 s of 100 B/s: 2000 bytes held, 8000 left, 80 s at that rate.
	for i := range 20 {
		if err := s.Enqueue(fmt.Sprintf("t/r/seg-%d", i), make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Second)
	}
	st := s.Status()
	if st.Rate != 100 || st.HoldLeft != 80*time.Second {
		t.Fatalf("Rate %.1f B/s, HoldLeft %v; want 100 B/s, 80s", st.Rate, st.HoldLeft)
	}
	if !strings.Contains(st.Low, "holds 1m20s more") {
		t.Fatalf("Low = %q, want it to say the spool holds 1m20s more", st.Low)
	}
	// The disk, not MaxBytes, bounds the spool when it has less free.
	setFree(3000)
	if st := s.Status(); st.Limit != 5000 || st.HoldLeft != 30*time.Second {
		t.Fatalf("with 3000 bytes free: Limit %d, HoldLeft %v; want 5000, 30s", st.Limit, st.HoldLeft)
	}
	setFree(200)
	if st := s.Status(); !strings.Contains(st.Low, "nearly full: 200 B of 2.1 KiB left") {
		t.Fatalf("with 200 of 2200 bytes left: Low = %q", st.Low)
	}
	if err := s.Enqueue("t/r/seg-x", make([]byte, 500)); !errors.Is(err, spool.ErrSpoolFull) {
		t.Fatalf("Enqueue past the disk's free space = %v, want ErrSpoolFull", err)
	}
	// What the full spool refused is still input the recordings made.
	if st := s.Status(); st.Rate != 125 {
		t.Fatalf("Rate after a refusal %.1f B/s, want 125", st.Rate)
	}
	// Without input for a minute the rate is gone, and so is the bound.
	setFree(1 << 40)
	clk.add(2 * time.Minute)
	if st := s.Status(); st.Rate != 0 || st.HoldLeft != -1 || st.Low != "" {
		t.Fatalf("Status after a quiet minute = %+v", st)
	}
}
