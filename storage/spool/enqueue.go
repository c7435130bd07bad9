package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/roomcast/roomcast/storage"
)

// Enqueue spools data for upload under key. When it returns nil the data is
// on disk and will be uploaded, even after a crash.
func (s *Spool) Enqueue(key string, data []byte) error {
	return s.enqueue(key, int64(len(data)), func(dst string) error {
		return writeFileSync(dst, func(f *os.File) error {
			_, err := f.Write(data)
			return err
		})
	})
}

// EnqueueFile moves the file at path into the spool for upload under key.
// On success the file is gone from path; on error it is left there.
func (s *Spool) EnqueueFile(key, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("spool: enqueue %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("spool: enqueue %q: %s is not a regular file", key, path)
	}
	return s.enqueue(key, fi.Size(), func(dst string) error { return moveFile(path, dst) })
}

func (s *Spool) enqueue(key string, size int64, place func(dst string) error) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("spool: enqueue: %w", err)
	}
	seq, err := s.reserve(size)
	if err != nil {
		return fmt.Errorf("spool: enqueue %q (%d bytes): %w", key, size, err)
	}
	e := entry{seq: seq, key: key, size: size}
	if err := s.writeEntry(e, place); err != nil {
		s.unreserve(size)
		_ = s.remove(e)
		return fmt.Errorf("spool: enqueue %q: %w", key, err)
	}
	s.commit(e)
	return nil
}

func (s *Spool) writeEntry(e entry, place func(dst string) error) error {
	err := writeFileSync(s.keyPath(e.seq), func(f *os.File) error {
		_, err := io.WriteString(f, e.key)
		return err
	})
	if err != nil {
		return err
	}
	if err := place(s.dataPath(e.seq)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

func (s *Spool) reserve(size int64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reserved+size > s.opts.MaxBytes {
		return 0, fmt.Errorf("%w: %d of %d bytes in use", ErrSpoolFull, s.reserved, s.opts.MaxBytes)
	}
	s.reserved += size
	seq := s.nextSeq
	s.nextSeq++
	return seq, nil
}

func (s *Spool) unreserve(size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved -= size
}

// commit queues e and drops the older entries of its key still waiting:
// e, later in its group, makes them useless.
func (s *Spool) commit(e entry) {
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.empty = make(chan struct{})
	}
	s.queue = insert(s.queue, e)
	var old []entry
	for _, q := range s.queue {
		if q.key == e.key && q.seq < e.seq && !s.inFlight[q.seq] {
			old = append(old, q)
		}
	}
	for _, q := range old {
		s.dropLocked(q)
		s.status.Superseded++
	}
	s.mu.Unlock()
	for _, q := range old {
		if err := s.remove(q); err != nil {
			s.log.Warn("remove superseded spool entry", "key", q.key, "err", err)
		}
	}
	s.signal()
}

// writeFileSync writes a file through a synced temp file and a rename, so
// that dst is either absent or complete.
func writeFileSync(dst string, write func(*os.File) error) error {
	tmp := filepath.Join(filepath.Dir(dst), tmpPrefix+filepath.Base(dst))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// moveFile renames src to dst, copying when they are on different file
// systems.
func moveFile(src, dst string) error {
	err := os.Rename(src, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	err = writeFileSync(dst, func(f *os.File) error {
		_, err := io.Copy(f, in)
		return err
	})
	if err != nil {
		return err
	}
	return os.Remove(src)
}
