package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/roomcast/roomcast/storage"
)

// List walks the directory under prefix and returns the objects in lexical
// key order. Lexical order differs from walk order ("a-c" < "a/b"), so the
// matching keys are collected and sorted.
func (s *Store) List(ctx context.Context, prefix, after string, limit int) ([]storage.Object, error) {
	objs, err := s.collect(ctx, prefix, after)
	if err != nil {
		return nil, fmt.Errorf("local list %q: %w", prefix, err)
	}
	slices.SortFunc(objs, func(a, b storage.Object) int { return strings.Compare(a.Key, b.Key) })
	if limit > 0 && len(objs) > limit {
		objs = objs[:limit]
	}
	return objs, nil
}

func (s *Store) collect(ctx context.Context, prefix, after string) ([]storage.Object, error) {
	start := walkStart(prefix)
	var objs []storage.Object
	err := fs.WalkDir(s.root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() {
			return skipDir(p, prefix)
		}
		if !d.Type().IsRegular() || !keep(p, prefix, after) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted during the walk
		}
		if err != nil {
			return err
		}
		objs = append(objs, object(p, fi))
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscallENOTDIR) {
		return nil, nil // nothing under prefix
	}
	return objs, err
}

// walkStart is the deepest directory that holds every key with prefix.
func walkStart(prefix string) string {
	i := strings.LastIndexByte(prefix, '/')
	if i <= 0 {
		return "."
	}
	dir := prefix[:i]
	if !fs.ValidPath(dir) {
		return "."
	}
	return dir
}

// skipDir prunes directories that cannot hold a key with prefix.
func skipDir(p, prefix string) error {
	if p == "." {
		return nil
	}
	if strings.HasPrefix(path.Base(p), tmpPrefix) {
		return fs.SkipDir
	}
	d := p + "/"
	if strings.HasPrefix(d, prefix) || strings.HasPrefix(prefix, d) {
		return nil
	}
	return fs.SkipDir
}

func keep(key, prefix, after string) bool {
	if !strings.HasPrefix(key, prefix) || key <= after {
		return false
	}
	return storage.ValidKey(key) == nil && checkKey(key) == nil
}
