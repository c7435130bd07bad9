package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// entry is one spooled object.
type entry struct {
	seq  uint64
	key  string
	size int64
	// evicted, when set, makes the entry expendable: the spool may drop
	// it for room, and then calls evicted. Kept in memory only, so
	// entries recovered from disk are never evicted.
	evicted func()
}

const (
	keySuffix  = ".key"
	dataSuffix = ".data"
	tmpPrefix  = "tmp-"
)

func (s *Spool) keyPath(seq uint64) string  { return s.path(seq, keySuffix) }
func (s *Spool) dataPath(seq uint64) string { return s.path(seq, dataSuffix) }

func (s *Spool) path(seq uint64, suffix string) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d%s", seq, suffix))
}

// parseName splits "00000000000000000042.key" into 42 and ".key".
func parseName(name string) (uint64, string, bool) {
	for _, suffix := range []string{keySuffix, dataSuffix} {
		num, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		seq, err := strconv.ParseUint(num, 10, 64)
		return seq, suffix, err == nil
	}
	return 0, "", false
}

// insert keeps the queue sorted by seq: concurrent enqueues may finish out
// of order.
func insert(q []entry, e entry) []entry {
	i, _ := slices.BinarySearchFunc(q, e.seq, func(a entry, seq uint64) int {
		switch {
		case a.seq < seq:
			return -1
		case a.seq > seq:
			return 1
		}
		return 0
	})
	return slices.Insert(q, i, e)
}

// remove deletes the entry's files, data first (see the package comment).
func (s *Spool) remove(e entry) error {
	if err := os.Remove(s.dataPath(e.seq)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("spool: remove %d: %w", e.seq, err)
	}
	if err := os.Remove(s.keyPath(e.seq)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("spool: remove %d: %w", e.seq, err)
	}
	return syncDir(s.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", dir, err)
	}
	return nil
}
