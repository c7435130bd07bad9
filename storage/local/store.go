// Package local implements storage.Store on a local directory. Objects are
// plain files under the root, written to a temporary file, synced and
// renamed into place, so that a crash never leaves a partial object.
// All file access goes through an os.Root, so no key can reach outside it.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/roomcast/roomcast/storage"
)

// tmpPrefix marks in-flight writes. Keys with a segment that starts with it
// are rejected, and List never shows such files.
const tmpPrefix = ".roomcast-tmp-"

// Store is a storage.Store on a directory.
type Store struct {
	dir       string
	root      *os.Root
	log       *slog.Logger
	closeOnce sync.Once
}

var _ storage.Store = (*Store)(nil)

// Open opens (creating it when needed) the directory dir as a store.
func Open(dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("local store: create root: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("local store: open root: %w", err)
	}
	return &Store{dir: dir, root: root, log: log.With("store", "local", "dir", dir)}, nil
}

// Close releases the root directory. It is idempotent.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.root.Close() })
	return err
}

// Dir returns the root directory.
func (s *Store) Dir() string { return s.dir }

func checkKey(key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, tmpPrefix) {
			return fmt.Errorf("%w %q: %s is reserved", storage.ErrInvalidKey, key, tmpPrefix)
		}
	}
	return nil
}

// Get opens the object for reading.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, s.wrapNotFound("get", key, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("local get %q: %w", key, storage.ErrNotFound)
	}
	return f, nil
}

// Stat describes the object.
func (s *Store) Stat(ctx context.Context, key string) (storage.Object, error) {
	if err := checkKey(key); err != nil {
		return storage.Object{}, err
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		return storage.Object{}, s.wrapNotFound("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return storage.Object{}, fmt.Errorf("local stat %q: %w", key, storage.ErrNotFound)
	}
	return object(key, fi), nil
}

// Delete removes the object; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	fi, err := s.root.Lstat(key)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscallENOTDIR) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("local delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a "directory" is not an object
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local delete %q: %w", key, err)
	}
	return nil
}

// PresignGet is not supported by a local directory.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return "", fmt.Errorf("local presign %q: %w", key, storage.ErrPresignUnsupported)
}

func (s *Store) wrapNotFound(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscallENOTDIR) {
		return fmt.Errorf("local %s %q: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("local %s %q: %w", op, key, err)
}

func object(key string, fi fs.FileInfo) storage.Object {
	return storage.Object{Key: key, Size: fi.Size(), Modified: fi.ModTime()}
}

func parentDir(key string) string { return path.Dir(key) }
