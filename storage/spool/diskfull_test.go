package spool_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/roomcast/roomcast/storage/spool"
)

// tmpfs mounts a tmpfs of size (e.g. "8m") on a new directory and
// unmounts it when the test ends. The tests run as root.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (the tests need root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file that leaves about leave bytes free on dir's file
// system.
func fill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	p := filepath.Join(dir, "filler")
	if err := os.WriteFile(p, make([]byte, max(free-leave, 0)), 0o600); err != nil {
		t.Fatalf("filler: %v", err)
	}
	return p
}

func TestDiskFullRefusesThenResumes(t *testing.T) {
	mnt := tmpfs(t, "8m")
	dir := filepath.Join(mnt, "spool")
	store := newFakeStore(0)
	s := open(t, dir, store, spool.Options{MaxBytes: 1 << 30})
	if st := s.Status(); st.Limit > 8<<20 {
		t.Fatalf("Limit %d on an 8 MiB disk", st.Limit)
	}
	var ev evictions
	ev.enqueue(t, s, "t/r/raw/a-1", 1<<20)
	filler := fill(t, mnt, 64<<10)
	// The disk has 64 KiB left: a 512 KiB segment evicts the raw part.
	if err := s.Enqueue("t/r/seg-1", make([]byte, 512<<10)); err != nil {
		t.Fatalf("segment with a raw part to evict: %v", err)
	}
	if got := ev.list(); !slices.Equal(got, []string{"t/r/raw/a-1"}) {
		t.Fatalf("evicted %q", got)
	}
	err := s.Enqueue("t/r/seg-2", make([]byte, 1<<20))
	if !errors.Is(err, spool.ErrSpoolFull) {
		t.Fatalf("Enqueue on a full disk = %v, want ErrSpoolFull", err)
	}
	if st := s.Status(); !st.Full || st.Limit > 2<<20 {
		t.Fatalf("Status on a full disk = %+v", st)
	}
	assertNoTemp(t, dir)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue("t/r/seg-2", make([]byte, 1<<20)); err != nil {
		t.Fatalf("Enqueue once space returned: %v", err)
	}
	if st := s.Status(); st.Full || st.Limit < 4<<20 {
		t.Fatalf("Status once space returned = %+v", st)
	}
	run(t, s)
	flush(t, s)
	if _, order, _ := store.snapshot(); !slices.Equal(order, []string{"t/r/seg-1", "t/r/seg-2"}) {
		t.Fatalf("uploaded %q", order)
	}
}

// TestENOSPCFromTheOS makes the spool believe the disk has room, so the
// write itself fails with ENOSPC: the spool evicts, retries, and refuses
// as full without leaving partial files.
func TestENOSPCFromTheOS(t *testing.T) {
	mnt := tmpfs(t, "8m")
	dir := filepath.Join(mnt, "spool")
	lie := func(string) (int64, error) { return 1 << 30, nil }
	s := open(t, dir, newFakeStore(0), spool.Options{MaxBytes: 1 << 30, DiskFree: lie})
	var ev evictions
	ev.enqueue(t, s, "t/r/raw/a-1", 1<<20)
	fill(t, mnt, 16<<10)
	if err := s.Enqueue("t/r/seg-1", make([]byte, 512<<10)); err != nil {
		t.Fatalf("segment after evicting on ENOSPC: %v", err)
	}
	if got := ev.list(); !slices.Equal(got, []string{"t/r/raw/a-1"}) {
		t.Fatalf("evicted %q", got)
	}
	err := s.Enqueue("t/r/seg-2", make([]byte, 2<<20))
	if !errors.Is(err, spool.ErrSpoolFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Enqueue on a full disk = %v, want ErrSpoolFull wrapping ENOSPC", err)
	}
	if st := s.Status(); !st.Full || st.Refused != 1 || st.PendingBytes != 512<<10 {
		t.Fatalf("Status after ENOSPC = %+v", st)
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	for _, n := range dirEntries(t, dir) {
		if strings.HasPrefix(n, "tmp-") {
			t.Fatalf("partial file %s left in the spool: %q", n, dirEntries(t, dir))
		}
	}
}
