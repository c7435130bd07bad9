package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/roomcast/roomcast/storage"
)

// recover loads the entries left in the directory and drops the remains
// of cut-short enqueues and removals.
func (s *Spool) recover() error {
	names, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("spool: read %s: %w", s.dir, err)
	}
	keys, datas := map[uint64]bool{}, map[uint64]bool{}
	for _, d := range names {
		s.sortName(d.Name(), keys, datas)
	}
	for seq := range keys {
		s.recoverEntry(seq, datas[seq])
		s.nextSeq = max(s.nextSeq, seq+1)
	}
	for seq := range datas {
		if !keys[seq] {
			s.log.Warn("spool data without key left in place", "file", s.dataPath(seq))
			s.nextSeq = max(s.nextSeq, seq+1)
		}
	}
	if n := len(s.queue); n > 0 {
		s.log.Info("recovered spooled uploads", "pending", n, "bytes", s.reserved)
	}
	return nil
}

func (s *Spool) sortName(name string, keys, datas map[uint64]bool) {
	if strings.HasPrefix(name, tmpPrefix) {
		_ = os.Remove(filepath.Join(s.dir, name)) // a cut-short write
		return
	}
	seq, suffix, ok := parseName(name)
	switch {
	case !ok:
		s.log.Warn("unknown file in spool", "file", name)
	case suffix == keySuffix:
		keys[seq] = true
	default:
		datas[seq] = true
	}
}

func (s *Spool) recoverEntry(seq uint64, hasData bool) {
	if !hasData {
		_ = os.Remove(s.keyPath(seq))
		return
	}
	e, err := s.loadEntry(seq)
	if err != nil {
		s.log.Error("unreadable spool entry left in place", "seq", seq, "err", err)
		return
	}
	s.queue = insert(s.queue, e)
	s.reserved += e.size
}

func (s *Spool) loadEntry(seq uint64) (entry, error) {
	b, err := os.ReadFile(s.keyPath(seq))
	if err != nil {
		return entry{}, err
	}
	key := string(b)
	if err := storage.ValidKey(key); err != nil {
		return entry{}, err
	}
	fi, err := os.Stat(s.dataPath(seq))
	if err != nil {
		return entry{}, err
	}
	return entry{seq: seq, key: key, size: fi.Size()}, nil
}
