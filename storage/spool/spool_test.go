package spool_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/test/testutil"
)

var fastRetry = spool.Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}

func open(t *testing.T, dir string, store storage.Store, opts spool.Options) *spool.Spool {
	t.Helper()
	s, err := spool.Open(dir, store, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// run starts s.Run and stops it when the test ends.
func run(t *testing.T, s *spool.Spool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	})
}

func flush(t *testing.T, s *spool.Spool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func TestUploadsInOrder(t *testing.T) {
	dir, store := t.TempDir(), newFakeStore(0)
	s := open(t, dir, store, fastRetry)
	src := filepath.Join(t.TempDir(), "seg.m4s")
	if err := os.WriteFile(src, []byte("file body"), 0o644); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 5 {
		key := fmt.Sprintf("rooms/r1/seg-%d", i)
		want = append(want, key)
		if err := s.Enqueue(key, []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EnqueueFile("rooms/r1/moved.m4s", src); err != nil {
		t.Fatal(err)
	}
	want = append(want, "rooms/r1/moved.m4s")
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatalf("EnqueueFile left the source: %v", err)
	}
	run(t, s)
	flush(t, s)

	objs, order, _ := store.snapshot()
	if !slices.Equal(order, want) {
		t.Fatalf("upload order %q, want %q", order, want)
	}
	if string(objs["rooms/r1/moved.m4s"]) != "file body" || string(objs["rooms/r1/seg-3"]) != "rooms/r1/seg-3" {
		t.Fatalf("wrong bodies: %q", objs)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("spool dir not empty after flush: %q", names)
	}
	if st := s.Status(); st.Pending != 0 || st.PendingBytes != 0 || st.Uploaded != 6 || st.Degraded {
		t.Fatalf("Status = %+v", st)
	}
}

func TestFailingStoreKeepsFilesThenDrains(t *testing.T) {
	dir := t.TempDir()
	store := newFakeStore(4)
	s := open(t, dir, store, spool.Options{MinBackoff: 30 * time.Millisecond, MaxBackoff: 60 * time.Millisecond})
	if err := s.Enqueue("a/1", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue("a/2", []byte("two")); err != nil {
		t.Fatal(err)
	}
	run(t, s)

	testutil.Eventually(t, 10*time.Second, "degraded", func() bool { return s.Status().Degraded })
	st := s.Status()
	if !errors.Is(st.LastError, errInjected) || st.Pending != 2 || st.PendingBytes != 6 {
		t.Fatalf("Status while failing = %+v", st)
	}
	if n := len(dirEntries(t, dir)); n != 4 {
		t.Fatalf("spool holds %d files while failing, want 4", n)
	}

	flush(t, s)
	_, order, attempts := store.snapshot()
	if !slices.Equal(order, []string{"a/1", "a/2"}) || attempts != 6 {
		t.Fatalf("order %q after %d attempts", order, attempts)
	}
	if st := s.Status(); st.Degraded || st.LastError != nil || st.Pending != 0 {
		t.Fatalf("Status after draining = %+v", st)
	}
}

func TestRecoveryAfterRestart(t *testing.T) {
	dir := t.TempDir()
	first := open(t, dir, newFakeStore(0), fastRetry) // never runs: a "crash"
	for i := range 3 {
		if err := first.Enqueue(fmt.Sprintf("r/%d", i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Remains of a cut-short enqueue: a lone key file and a temp file.
	writeFile(t, filepath.Join(dir, "00000000000000000099.key"), "r/orphan")
	writeFile(t, filepath.Join(dir, "tmp-00000000000000000100.data"), "partial")

	store := newFakeStore(0)
	second := open(t, dir, store, fastRetry)
	if st := second.Status(); st.Pending != 3 || st.PendingBytes != 3 {
		t.Fatalf("recovered Status = %+v, want 3 pending", st)
	}
	if err := second.Enqueue("r/new", []byte("n")); err != nil {
		t.Fatal(err)
	}
	run(t, second)
	flush(t, second)
	_, order, _ := store.snapshot()
	if want := []string{"r/0", "r/1", "r/2", "r/new"}; !slices.Equal(order, want) {
		t.Fatalf("order %q, want %q", order, want)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("spool dir not empty: %q", names)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSpoolFull(t *testing.T) {
	store := newFakeStore(0)
	s := open(t, t.TempDir(), store, spool.Options{MaxBytes: 10})
	if err := s.Enqueue("k/1", make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue("k/2", make([]byte, 5)); !errors.Is(err, spool.ErrSpoolFull) {
		t.Fatalf("Enqueue past MaxBytes = %v, want ErrSpoolFull", err)
	}
	run(t, s)
	flush(t, s)
	if err := s.Enqueue("k/2", make([]byte, 5)); err != nil {
		t.Fatalf("Enqueue after draining: %v", err)
	}
	flush(t, s)
}

func TestEnqueueRejectsBadKeys(t *testing.T) {
	s := open(t, t.TempDir(), newFakeStore(0), fastRetry)
	if err := s.Enqueue("../etc/passwd", []byte("x")); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("Enqueue = %v, want ErrInvalidKey", err)
	}
	if st := s.Status(); st.Pending != 0 || st.PendingBytes != 0 {
		t.Fatalf("Status = %+v", st)
	}
}

func TestFlushBoundedByContext(t *testing.T) {
	s := open(t, t.TempDir(), newFakeStore(0), fastRetry)
	if err := s.Enqueue("x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := s.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush without Run = %v, want DeadlineExceeded", err)
	}
}

func TestSecondRunRefused(t *testing.T) {
	s := open(t, t.TempDir(), newFakeStore(0), fastRetry)
	run(t, s)
	if err := s.Enqueue("x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	flush(t, s) // the first Run is now surely active
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if err := s.Run(ctx); !errors.Is(err, spool.ErrRunning) {
		t.Fatalf("second Run = %v, want ErrRunning", err)
	}
}
