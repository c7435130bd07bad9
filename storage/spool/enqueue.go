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
	return s.enqueue(entry{key: key, size: int64(len(data))}, func(dst string) error {
		return writeFileSync(dst, func(f *os.File) error {
			_, err := f.Write(data)
			return err
		})
	})
}

// EnqueueFile moves the file at path into the spool for upload under key.
// On success the file is gone from path; on error it is left there.
func (s *Spool) EnqueueFile(key, path string) error {
	return s.enqueueFile(key, path, nil)
}

// EnqueueExpendableFile is EnqueueFile for an object the spool may give
// up when it runs out of room (a recording's raw track part): the oldest
// expendable entries waiting are evicted before any other enqueue is
// refused. evicted is called once the entry is dropped, never after its
// upload began; it runs on the goroutine of the enqueue that made room,
// outside the spool's lock, and must not block.
func (s *Spool) EnqueueExpendableFile(key, path string, evicted func()) error {
	if evicted == nil {
		evicted = func() {}
	}
	return s.enqueueFile(key, path, evicted)
}

func (s *Spool) enqueueFile(key, path string, evicted func()) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("spool: enqueue %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("spool: enqueue %q: %s is not a regular file", key, path)
	}
	e := entry{key: key, size: fi.Size(), evicted: evicted}
	return s.enqueue(e, func(dst string) error { return moveFile(path, dst) })
}

// enqueue reserves room for e (evicting expendable entries if it must),
// writes it, and queues it. A disk that runs out of space while writing
// gets one more try after evictions; then the entry is refused as full.
func (s *Spool) enqueue(e entry, place func(dst string) error) error {
	if err := storage.ValidKey(e.key); err != nil {
		return fmt.Errorf("spool: enqueue: %w", err)
	}
	seq, err := s.reserve(e)
	if err != nil {
		return fmt.Errorf("spool: enqueue %q (%d bytes): %w", e.key, e.size, err)
	}
	e.seq = seq
	err = s.writeEntry(e, place)
	if isDiskFull(err) {
		_ = s.remove(e)
		s.dropEvicted(s.evict(e.size))
		err = s.writeEntry(e, place)
	}
	if err != nil {
		_ = s.remove(e)
		if isDiskFull(err) {
			err = fmt.Errorf("%w: disk full: %w", ErrSpoolFull, err)
		}
		s.unreserve(e, err)
		return fmt.Errorf("spool: enqueue %q: %w", e.key, err)
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

// reserve takes room for e under the limit, evicting the oldest
// expendable entries when it must (whatever e is: only expendable entries
// are ever evicted). Waiting entries of e's key count as free: commit
// drops them.
func (s *Spool) reserve(e entry) (uint64, error) {
	s.mu.Lock()
	limit, disk := s.limitLocked()
	need := s.reserved + e.size - s.waitingLocked(e.key) - limit
	var evicted []entry
	if need > 0 {
		evicted = s.evictLocked(need)
		need -= sizeOf(evicted)
	}
	if need > 0 {
		err := s.fullErrorLocked(e.size, limit, disk)
		s.refusedLocked(e, err)
		s.mu.Unlock()
		s.dropEvicted(evicted)
		return 0, err
	}
	s.reserved += e.size
	s.writing += e.size
	seq := s.nextSeq
	s.nextSeq++
	s.mu.Unlock()
	s.dropEvicted(evicted)
	return seq, nil
}

// waitingLocked is the size of key's entries that wait for upload.
func (s *Spool) waitingLocked(key string) int64 {
	var n int64
	for _, q := range s.queue {
		if q.key == key && !s.inFlight[q.seq] {
			n += q.size
		}
	}
	return n
}

// unreserve gives back the room of an enqueue that failed with err.
func (s *Spool) unreserve(e entry, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved -= e.size
	s.writing -= e.size
	if errors.Is(err, ErrSpoolFull) {
		s.refusedLocked(e, err)
	}
}

// commit queues e and drops the older entries of its key still waiting:
// e, later in its group, makes them useless.
func (s *Spool) commit(e entry) {
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.empty = make(chan struct{})
	}
	s.writing -= e.size
	s.status.Full, s.status.FullError = false, nil
	s.queue = insert(s.queue, e)
	net := e.size
	var old []entry
	for _, q := range s.queue {
		if q.key == e.key && q.seq < e.seq && !s.inFlight[q.seq] {
			old = append(old, q)
		}
	}
	for _, q := range old {
		s.dropLocked(q)
		s.status.Superseded++
		net -= q.size
	}
	s.rate.add(s.opts.Now(), net)
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
