package record

import (
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/spool"
)

// segmentDropped counts a segment the spool refused as full: the
// recording goes on, and the next stored segment starts after a counted
// gap. Only Run calls it.
func (r *Recording) segmentDropped(name string, size int, err error) {
	c := &r.cut
	c.dropRun++
	c.disc = fmt.Sprintf("spool full: %d segment(s) dropped", c.dropRun)
	r.log.Warn("segment dropped: the spool is full", "segment", name, "bytes", size, "err", err)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.droppedLocked().Segments++
	r.man.Dropped.Bytes += int64(size)
	r.dropping = true
	r.lastErr = fmt.Errorf("segment %s dropped: %w", name, err)
}

// segmentKept ends a run of dropped segments.
func (r *Recording) segmentKeptLocked() {
	r.cut.dropRun = 0
	r.dropping = false
}

// rawDropped counts a raw part that never made it into the spool.
// Called with r.mu held.
func (r *Recording) rawDroppedLocked(size int64) {
	r.droppedLocked().Raw++
	r.man.Dropped.Bytes += size
}

func (r *Recording) droppedLocked() *archive.Dropped {
	if r.man.Dropped == nil {
		r.man.Dropped = &archive.Dropped{}
	}
	return r.man.Dropped
}

// rawEvicted is the spool's word that it gave up a raw part for room.
// The spool may call it while this recording holds r.mu (from an
// enqueue of its own), so the manifest is fixed on another goroutine.
func (r *Recording) rawEvicted(name string) {
	r.evictMu.Lock()
	r.evicted = append(r.evicted, name)
	r.evictMu.Unlock()
	go r.applyEvictions()
}

// applyEvictions takes the evicted raw parts out of the manifest, counts
// them as dropped and spools the manifest again, so that it never names
// a missing object. A detached or abandoned recorder leaves the manifest
// to the next owner.
func (r *Recording) applyEvictions() {
	r.evictMu.Lock()
	names := r.evicted
	r.evicted = nil
	r.evictMu.Unlock()
	if len(names) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range names {
		r.removeRawLocked(name)
	}
	r.log.Warn("raw track parts evicted: the spool is full", "parts", len(names))
	if r.finished && !r.man.Ended() {
		return
	}
	if err := r.publishLocked(); err != nil {
		r.lastErr = err
	}
}

func (r *Recording) removeRawLocked(name string) {
	if f, ok := r.man.RemoveRaw(name); ok {
		r.rawDroppedLocked(f.Size)
	}
}

// spoolFull reports an enqueue refused for want of room (or disk).
func spoolFull(err error) bool { return errors.Is(err, spool.ErrSpoolFull) }

// rawLost counts raw track media lost to a file error before it reached
// the spool (the work directory's disk full, say): a part, or the media
// of a spell in which no part could be opened.
func (r *Recording) rawLost(trackID string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.droppedLocked().Raw++
	r.lastErr = fmt.Errorf("raw track %s: %w", trackID, err)
	r.log.Warn("raw track media lost", "track", trackID, "err", err)
}
