package record

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
)

// Flusher waits until the spool has uploaded everything in it:
// storage/spool's *Spool.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Recovery is the recordings an earlier process on a work directory left
// in progress.
type Recovery struct {
	workDir string
	entries []journalEntry
	latest  map[string][]byte // by id: the newest manifest.json the spool held
	log     *slog.Logger
	// Reconcile merges what a recorder that was taken over (or whose
	// recording was ended without it) had closed but not uploaded into
	// the recording, through whoever writes its manifest now; nil: they
	// are uploaded but stay unlisted.
	Reconcile func(ctx context.Context, stored *archive.Manifest, o archive.Orphans) error
}

// Taker takes waiting entries out of a spool: storage/spool's *Spool.
type Taker interface {
	Take(key string) ([]byte, bool, error)
}

// LeftOver reads the journal of workDir. Call it before any recording
// starts there and before the spool runs: every entry it finds belongs to
// an earlier process. It takes that process's unsent manifests and
// playlists out of the spool (Run writes the final ones), so a stale one
// can never overwrite what a worker that took the recording over wrote.
func LeftOver(workDir string, sp Taker, log *slog.Logger) *Recovery {
	entries, errs := readJournal(workDir)
	for _, err := range errs {
		log.Warn("recovery: skipping journal entry", "err", err)
	}
	rc := &Recovery{workDir: workDir, entries: entries, latest: map[string][]byte{}, log: log}
	for _, e := range entries {
		rc.takeManifest(e, sp)
	}
	return rc
}

func (rc *Recovery) takeManifest(e journalEntry, sp Taker) {
	key := archive.Key(e.Tenant, e.Room, e.ID, archive.ManifestName)
	b, ok, err := sp.Take(key)
	if _, _, perr := sp.Take(archive.Key(e.Tenant, e.Room, e.ID, archive.PlaylistName)); err == nil {
		err = perr
	}
	if err != nil {
		rc.log.Warn("recovery: spool", "recording", e.ID, "err", err)
	}
	if ok {
		rc.latest[e.ID] = b // its chunks are read once the spool has uploaded them
	}
}

// spooled is the newest manifest the earlier process spooled of e, or
// nil: its head, taken out of the spool, completed with its chunks,
// which the spool uploaded.
func (rc *Recovery) spooled(ctx context.Context, e journalEntry, cat *archive.Catalog) *archive.Manifest {
	b, ok := rc.latest[e.ID]
	if !ok {
		return nil
	}
	m, err := cat.Complete(ctx, e.Tenant, e.Room, e.ID, b)
	if err != nil {
		rc.log.Warn("recovery: spooled manifest unreadable", "recording", e.ID, "err", err)
		return nil
	}
	return m
}

// Len is the number of recordings left in progress.
func (rc *Recovery) Len() int { return len(rc.entries) }

// Run marks the left-over recordings as interrupted. It first waits for
// the spool to upload what the earlier process left (retrying while the
// store is down, until ctx ends), so the manifest it rewrites names every
// saved segment.
func (rc *Recovery) Run(ctx context.Context, sp Spool, fl Flusher, cat *archive.Catalog) error {
	if len(rc.entries) == 0 {
		return nil
	}
	for _, e := range rc.entries {
		_ = os.RemoveAll(filepath.Join(rc.workDir, "raw", e.ID)) // parts being written when it died
	}
	if err := fl.Flush(ctx); err != nil {
		return fmt.Errorf("record: recover: %w", err)
	}
	workDir, log := rc.workDir, rc.log
	var all []error
	for _, e := range rc.entries {
		if err := rc.interrupt(ctx, e, sp, cat); err != nil {
			all = append(all, err)
			continue
		}
		removeJournal(workDir, e.ID)
		log.Info("left-over recording recovered (marked interrupted, or merged into the recording another worker continued)", "recording", e.ID, "room", e.Room, "tenant", e.Tenant)
	}
	return errors.Join(all...)
}

// interrupt marks one left-over recording interrupted, from the newest
// manifest its recorder spooled (or, without one, the stored one), unless
// the store shows that a later generation took the recording over.
func (rc *Recovery) interrupt(ctx context.Context, e journalEntry, sp Spool, cat *archive.Catalog) error {
	spooled := rc.spooled(ctx, e, cat)
	stored, err := cat.Manifest(ctx, e.Tenant, e.Room, e.ID)
	if err != nil && !errors.Is(err, archive.ErrNotFound) {
		return fmt.Errorf("record: recover %s: %w", e.ID, err)
	}
	if stored != nil && (stored.Generation > e.Generation || stored.Ended()) {
		// Taken over by another worker, or ended without this recorder:
		// what it had closed and the spool has now uploaded goes into the
		// recording through whoever writes it.
		return rc.reconcile(ctx, e, spooled, stored)
	}
	m := spooled
	if m == nil {
		m = stored
	}
	if m == nil {
		return nil // it died before its first manifest was spooled
	}
	return markInterrupted(m, "the recorder stopped unexpectedly; every segment it had closed is kept", sp)
}

func (rc *Recovery) reconcile(ctx context.Context, e journalEntry, spooled, stored *archive.Manifest) error {
	if spooled == nil {
		return nil
	}
	o := archive.FindOrphans(spooled, stored, e.Generation)
	if o.Empty() {
		return nil
	}
	if rc.Reconcile == nil {
		rc.log.Warn("recovery: segments of a recording taken over are stored but not listed", "recording", e.ID, "segments", len(o.Segments))
		return nil
	}
	if err := rc.Reconcile(ctx, stored, o); err != nil {
		return fmt.Errorf("record: reconcile %s: %w", e.ID, err)
	}
	rc.log.Info("recovery: merged the segments this recorder left into the recording another one continued",
		"recording", e.ID, "segments", len(o.Segments), "raw", len(o.Raw))
	return nil
}

// Interrupt ends a recording that no recorder runs any more, such as
// one whose job was stopped while it waited for a worker to take it
// over: the stored manifest is marked interrupted with reason, and its
// playlist becomes a VOD. It reports false, and changes nothing, when
// there is no such recording or it has already ended.
func Interrupt(ctx context.Context, tenant, room, id, reason string, sp Enqueuer, cat *archive.Catalog) (bool, error) {
	stored, err := cat.Manifest(ctx, tenant, room, id)
	if errors.Is(err, archive.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record: interrupt %s: %w", id, err)
	}
	if stored.Ended() {
		return false, nil
	}
	if err := markInterrupted(stored, reason, sp); err != nil {
		return false, err
	}
	return true, nil
}

// markInterrupted spools m marked interrupted, its playlist then its
// manifest.
func markInterrupted(m *archive.Manifest, reason string, sp Enqueuer) error {
	now := time.Now().UTC()
	m.Status, m.EndedAt, m.UpdatedAt = archive.StatusInterrupted, &now, now
	if m.Error == "" {
		m.Error = reason
	}
	return WriteManifest(m, sp)
}

// Enqueuer takes objects to store: a spool, or a store written at once.
type Enqueuer interface {
	Enqueue(key string, data []byte) error
}

// WriteManifest hands m's playlist (once it has ended), then m, to sp:
// for whoever writes a recording that no recorder runs (Interrupt,
// orphans merged into an ended recording). Only the chunks of m that the
// store did not hold when m was read are written.
func WriteManifest(m *archive.Manifest, sp Enqueuer) error {
	m.UpdatedAt = time.Now().UTC()
	if err := publish(m, &archive.IndexWriter{}, sp); err != nil {
		return fmt.Errorf("record: write %s: %w", m.ID, err)
	}
	return nil
}
