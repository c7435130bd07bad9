package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/storetest"
)

func open(t *testing.T, dir string) *local.Store {
	t.Helper()
	s, err := local.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return open(t, t.TempDir()) })
}

func TestPutLeavesOnlyTheObject(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Put(t.Context(), "rooms/r/seg.m4s", strings.NewReader("abc"), 3); err != nil {
		t.Fatal(err)
	}
	// A failed Put leaves no temp file behind.
	_ = s.Put(t.Context(), "rooms/r/bad.m4s", strings.NewReader("abc"), 5)
	entries, err := os.ReadDir(filepath.Join(dir, "rooms", "r"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "seg.m4s" {
		t.Fatalf("directory holds %v, want only seg.m4s", entries)
	}
	b, err := os.ReadFile(filepath.Join(dir, "rooms", "r", "seg.m4s"))
	if err != nil || string(b) != "abc" {
		t.Fatalf("file = %q, %v", b, err)
	}
}

func TestReservedTempKeys(t *testing.T) {
	s := open(t, t.TempDir())
	err := s.Put(t.Context(), "a/.roomcast-tmp-1", strings.NewReader("x"), 1)
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("Put of a temp name = %v, want ErrInvalidKey", err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	s, err := local.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinkEscapeIsBlocked(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal("symlink:", err)
	}
	s := open(t, dir)
	if _, err := s.Get(t.Context(), "link/secret"); err == nil {
		t.Fatal("Get through a symlink out of the root succeeded")
	}
}
