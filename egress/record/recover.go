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
	log     *slog.Logger
}

// LeftOver reads the journal of workDir. Call it before any recording
// starts there: every entry it finds belongs to an earlier process.
func LeftOver(workDir string, log *slog.Logger) *Recovery {
	entries, errs := readJournal(workDir)
	for _, err := range errs {
		log.Warn("recovery: skipping journal entry", "err", err)
	}
	return &Recovery{workDir: workDir, entries: entries, log: log}
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
		if err := interrupt(ctx, e, sp, cat); err != nil {
			all = append(all, err)
			continue
		}
		removeJournal(workDir, e.ID)
		log.Info("recording marked interrupted", "recording", e.ID, "room", e.Room, "tenant", e.Tenant)
	}
	return errors.Join(all...)
}

func interrupt(ctx context.Context, e journalEntry, sp Spool, cat *archive.Catalog) error {
	m, err := cat.Manifest(ctx, e.Tenant, e.Room, e.ID)
	if errors.Is(err, archive.ErrNotFound) {
		return nil // it died before its first manifest was spooled
	}
	if err != nil {
		return fmt.Errorf("record: recover %s: %w", e.ID, err)
	}
	if m.Ended() {
		return nil
	}
	now := time.Now().UTC()
	m.Status, m.EndedAt, m.UpdatedAt = archive.StatusInterrupted, &now, now
	if m.Error == "" {
		m.Error = "the recorder stopped unexpectedly; every segment it had closed is kept"
	}
	var buf writerBuffer
	if err := m.Playlist().Render(&buf, nil); err != nil {
		return err
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	if len(m.Segments) > 0 {
		if err := sp.Enqueue(archive.Key(e.Tenant, e.Room, e.ID, archive.PlaylistName), buf.b); err != nil {
			return fmt.Errorf("record: recover %s: %w", e.ID, err)
		}
	}
	if err := sp.Enqueue(archive.Key(e.Tenant, e.Room, e.ID, archive.ManifestName), b); err != nil {
		return fmt.Errorf("record: recover %s: %w", e.ID, err)
	}
	return nil
}
