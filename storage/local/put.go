package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/roomcast/roomcast/storage"
)

// Put writes the object to a temporary file in the target directory, syncs
// it, renames it over the key and syncs the directory.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	dir := parentDir(key)
	if err := s.root.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("local put %q: create directory: %w", key, err)
	}
	tmp, err := s.writeTemp(ctx, dir, r, size)
	if err != nil {
		return fmt.Errorf("local put %q: %w", key, err)
	}
	if err := s.root.Rename(tmp, key); err != nil {
		_ = s.root.Remove(tmp)
		return fmt.Errorf("local put %q: rename: %w", key, err)
	}
	if err := s.syncDir(dir); err != nil {
		return fmt.Errorf("local put %q: %w", key, err)
	}
	return nil
}

// writeTemp writes r to a new temporary file in dir and returns its name
// relative to the root. The file is removed on any error.
func (s *Store) writeTemp(ctx context.Context, dir string, r io.Reader, size int64) (string, error) {
	name, err := tempName(dir)
	if err != nil {
		return "", err
	}
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("create temp file: %w", err)
	}
	err = fillFile(ctx, f, r, size)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close temp file: %w", cerr)
	}
	if err != nil {
		_ = s.root.Remove(name)
		return "", err
	}
	return name, nil
}

func fillFile(ctx context.Context, f *os.File, r io.Reader, size int64) error {
	n, err := io.Copy(f, ctxReader{ctx: ctx, r: storage.ExactReader(r, size)})
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := storage.CheckSize(size, n); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

func tempName(dir string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("temp name: %w", err)
	}
	return path.Join(dir, tmpPrefix+hex.EncodeToString(b[:])), nil
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
