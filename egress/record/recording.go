package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rawrec"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/spool"
)

// Spool is where a recording's objects go: storage/spool's *Spool.
type Spool interface {
	Enqueue(key string, data []byte) error
	// EnqueueExpendableFile spools a raw track part, which the spool may
	// evict for room; then it calls evicted.
	EnqueueExpendableFile(key, path string, evicted func()) error
	Status() spool.Status
}

// Config describes one recording.
type Config struct {
	ID, Tenant, Room, Egress string
	// SegmentDuration is the target segment length (cut at the next
	// keyframe after it); default 4 s.
	SegmentDuration time.Duration
	// Raw also keeps every participant's tracks untranscoded.
	Raw bool
	// RawPartDuration bounds each raw file (default 60 s).
	RawPartDuration time.Duration
	Spool           Spool
	// Resume, when set, is the stored manifest of this recording that an
	// earlier recorder (a worker that died or handed it over) left: the
	// recording goes on from it, after a discontinuity, as the next
	// generation.
	Resume *archive.Manifest
	// WorkDir holds the journal and raw files being written.
	WorkDir string
	Logger  *slog.Logger
}

// Recording is one recording in progress. Its Run is the record output;
// its TrackAdded/Unit/TrackRemoved see the room's tracks (participants
// and raw tracks).
type Recording struct {
	cfg Config
	log *slog.Logger
	raw *rawrec.Recorder

	mu       sync.Mutex
	man      archive.Manifest
	index    archive.IndexWriter // writes man
	cut      cutter              // the segmenter state; used only by Run
	lastErr  error
	finished bool
	// seqShift and timeShift move this recorder's segments after the
	// orphans merged before them (AddOrphans).
	seqShift  int64
	timeShift float64
	// wallOf maps the stream's PTS to the wall clock (SetWallClock).
	wallOf func(time.Duration) (time.Time, bool)
	// resumedEnd is when the stored media this recorder resumed after
	// ends; firstWall when this recorder's own first segment starts.
	resumedEnd, firstWall time.Time
	filled                bool
	abandoned             bool // another recorder owns the recording now
	dropping              bool // from a segment the full spool refused to the next one stored

	evictMu sync.Mutex
	evicted []string // raw parts the spool evicted, not yet out of the manifest
}

// Start begins a recording: it writes the journal entry, then spools the
// first manifest and the index entry, so the recording is listed as soon
// as the store has them.
func Start(cfg Config) (*Recording, error) {
	if !archive.ValidID(cfg.ID) {
		return nil, fmt.Errorf("record: bad recording id %q", cfg.ID)
	}
	if cfg.SegmentDuration <= 0 {
		cfg.SegmentDuration = 4 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Recording{cfg: cfg, log: cfg.Logger.With("recording", cfg.ID)}
	r.cut.segDur = cfg.SegmentDuration
	if cfg.Resume != nil {
		r.resume(cfg.Resume)
	} else {
		now := time.Now().UTC()
		r.man = archive.Manifest{
			Version: archive.ManifestVersion,
			Summary: archive.Summary{
				ID: cfg.ID, Tenant: cfg.Tenant, Room: cfg.Room, Egress: cfg.Egress,
				Status: archive.StatusRecording, StartedAt: now, UpdatedAt: now, Participants: []archive.Participant{},
			},
			Inits:           []archive.File{},
			Segments:        []archive.Segment{},
			Discontinuities: []archive.Discontinuity{},
		}
	}
	entry := journalEntry{ID: cfg.ID, Tenant: cfg.Tenant, Room: cfg.Room, Generation: r.man.Generation}
	if err := writeJournal(cfg.WorkDir, entry); err != nil {
		return nil, err
	}
	if err := r.startRaw(); err != nil {
		removeJournal(cfg.WorkDir, cfg.ID)
		return nil, err
	}
	r.mu.Lock()
	err := r.publishLocked()
	r.mu.Unlock()
	if err == nil {
		err = cfg.Spool.Enqueue(archive.IndexEntryKey(cfg.Tenant, cfg.Room, cfg.ID), archive.IndexBody(&r.man))
	}
	if err != nil {
		r.closeRaw()
		removeJournal(cfg.WorkDir, cfg.ID)
		return nil, fmt.Errorf("record: start %s: %w", cfg.ID, err)
	}
	return r, nil
}

// resume takes over a stored manifest as the next generation: numbering
// and timeline continue after its last segment, and the next segment is
// marked as a discontinuity.
func (r *Recording) resume(m *archive.Manifest) {
	m.Generation++
	m.Status, m.EndedAt, m.Error = archive.StatusRecording, nil, ""
	r.man = *m
	c := &r.cut
	c.inits = 0
	if n := len(m.Segments); n > 0 {
		last := m.Segments[n-1]
		c.nextSeq = last.Sequence + 1
		c.timeline = time.Duration((last.Start + last.Duration) * float64(time.Second))
		r.resumedEnd = last.WallEnd()
	}
	c.disc = "recorder taken over by another worker"
}

// Detach ends this recorder's part without ending the recording, for a
// handover: raw parts are closed and spooled, the manifest stays
// "recording" for the next owner, and the journal entry goes.
//
// It then waits (up to handoverFlush) until the store has everything it
// spooled of the recording, since the next owner resumes from what the
// store has: a manifest still in the spool would leave its last segments
// and raw parts out. Past that, the journal entry stays, so that this
// worker's next start merges what the store had not got yet.
func (r *Recording) Detach() error {
	r.closeRaw()
	r.mu.Lock()
	if r.finished {
		r.mu.Unlock()
		return nil
	}
	r.finished = true
	err := r.publishLocked()
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("record: detach %s: %w", r.cfg.ID, err)
	}
	if err := r.waitUploaded(handoverFlush); err != nil {
		r.log.Warn("handing the recording over before the store has all of it", "err", err)
		return nil
	}
	removeJournal(r.cfg.WorkDir, r.cfg.ID)
	return nil
}

// handoverFlush bounds how long Detach waits for the store.
const handoverFlush = 15 * time.Second

// groupFlusher is a spool that can wait for one recording's uploads.
type groupFlusher interface {
	FlushGroup(ctx context.Context, group string) error
}

func (r *Recording) waitUploaded(d time.Duration) error {
	f, ok := r.cfg.Spool.(groupFlusher)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return f.FlushGroup(ctx, archive.Group(r.key(archive.ManifestName)))
}

// Abandon stops this recorder writing to the recording at once: another
// worker has taken it over (its job's lease was lost). Nothing more is
// spooled, not even the segment being cut, so the new owner's manifest
// is never overwritten.
func (r *Recording) Abandon() {
	r.mu.Lock()
	r.abandoned, r.finished = true, true
	r.mu.Unlock()
	r.closeRaw()
	removeJournal(r.cfg.WorkDir, r.cfg.ID)
}

func (r *Recording) isAbandoned() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.abandoned
}

// ID is the recording id.
func (r *Recording) ID() string { return r.cfg.ID }

func (r *Recording) key(name string) string {
	return archive.Key(r.cfg.Tenant, r.cfg.Room, r.cfg.ID, name)
}

// publishLocked spools the manifest (its new chunks, then its head) and,
// once the recording has ended, its VOD playlist: they name only
// segments spooled before them, which the spool uploads first. While
// recording, the API builds the live playlist from the manifest.
func (r *Recording) publishLocked() error {
	if r.abandoned {
		return nil
	}
	r.man.UpdatedAt = time.Now().UTC()
	return publish(&r.man, &r.index, r.cfg.Spool)
}

// publish hands m to sp: its VOD playlist when it has ended, then its
// manifest through w.
func publish(m *archive.Manifest, w *archive.IndexWriter, sp Enqueuer) error {
	key := func(name string) string { return archive.Key(m.Tenant, m.Room, m.ID, name) }
	if m.Ended() && len(m.Segments) > 0 {
		var buf writerBuffer
		if err := m.Playlist().Render(&buf, nil); err != nil {
			return fmt.Errorf("playlist: %w", err)
		}
		if err := sp.Enqueue(key(archive.PlaylistName), buf.b); err != nil {
			return fmt.Errorf("playlist: %w", err)
		}
	}
	err := w.Write(m, func(name string, data []byte) error { return sp.Enqueue(key(name), data) })
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

type writerBuffer struct{ b []byte }

func (w *writerBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// Finish ends the recording after its output and media have stopped:
// raw files are closed and spooled, and the manifest says complete. A job
// error is kept in the manifest. Finish is idempotent.
func (r *Recording) Finish(jobErr error) error {
	r.closeRaw()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return nil
	}
	r.finished = true
	now := time.Now().UTC()
	r.man.Status, r.man.EndedAt = archive.StatusComplete, &now
	if jobErr != nil && !errors.Is(jobErr, context.Canceled) {
		r.man.Error = jobErr.Error()
	}
	if err := r.publishLocked(); err != nil {
		// The journal stays: the next start marks it interrupted.
		return fmt.Errorf("record: finish %s: %w", r.cfg.ID, err)
	}
	removeJournal(r.cfg.WorkDir, r.cfg.ID)
	return nil
}

// ErrEnded is returned by AddOrphans once this recorder no longer writes
// the recording: whoever writes it now must merge them.
var ErrEnded = errors.New("record: this recorder no longer writes the recording")

// AddOrphans merges what an earlier recorder of this recording, killed
// before it could upload them, left: its restart uploaded them, and only
// the recording's owner writes the manifest. They go before this
// recorder's own segments, which move after them.
func (r *Recording) AddOrphans(o archive.Orphans) (archive.MergeResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished || r.abandoned {
		return archive.MergeResult{}, ErrEnded
	}
	res, err := r.man.MergeOrphans(o)
	if err != nil {
		return res, fmt.Errorf("record: %s: %w", r.cfg.ID, err)
	}
	if res.Segments == 0 && res.Raw == 0 {
		return res, nil
	}
	seq, secs := res.Shift()
	r.seqShift += seq
	r.timeShift += secs
	r.log.Info("merged the segments a killed recorder left", "segments", res.Segments, "raw", res.Raw, "seconds", res.Duration)
	if err := r.publishLocked(); err != nil {
		return res, fmt.Errorf("record: %s: %w", r.cfg.ID, err)
	}
	return res, nil
}

// SetQuality keeps the job's quality report for the manifest that
// Finish writes.
func (r *Recording) SetQuality(q json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.man.Quality = q
}

// Status is a recording's progress.
type Status struct {
	Segments int
	Bytes    int64
	Duration time.Duration
	// Pending counts objects (of all recordings) waiting for upload.
	Pending int
	// Degraded: uploads are failing (segments wait in the spool), the
	// spool is low or full, or this recording is dropping segments.
	Degraded bool
	Error    string // why it is degraded, or the last spooling error
	// SpoolLeft is how long the spool can still take the input at its
	// current rate; -1 when unknown (no input).
	SpoolLeft time.Duration
	Dropped   archive.Dropped
}

// Status returns the recording's progress and the spool's health.
func (r *Recording) Status() Status {
	sp := r.cfg.Spool.Status()
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{
		Segments: len(r.man.Segments), Bytes: r.man.Size,
		Duration: time.Duration(r.man.Duration * float64(time.Second)),
		Pending:  sp.Pending, SpoolLeft: sp.HoldLeft,
		Degraded: sp.Degraded || sp.Low != "" || sp.Full || r.dropping,
	}
	if r.man.Dropped != nil {
		st.Dropped = *r.man.Dropped
	}
	switch {
	case r.dropping && r.lastErr != nil:
		st.Error = r.lastErr.Error()
	case sp.Degraded && sp.LastError != nil:
		st.Error = "storage: " + sp.LastError.Error()
	case sp.Full && sp.FullError != nil:
		st.Error = sp.FullError.Error()
	case sp.Low != "":
		st.Error = sp.Low
	case r.lastErr != nil:
		st.Error = r.lastErr.Error()
	}
	return st
}

// TrackAdded notes the participant and starts its raw track.
func (r *Recording) TrackAdded(t *media.Track) {
	r.noteParticipant(t)
	if r.raw != nil {
		r.raw.TrackAdded(t)
	}
}

// Unit feeds the raw track recorder.
func (r *Recording) Unit(u *media.Unit) {
	if r.raw != nil {
		r.raw.Unit(u)
	}
}

// TrackRemoved closes the raw track's part.
func (r *Recording) TrackRemoved(t *media.Track) {
	if r.raw != nil {
		r.raw.TrackRemoved(t)
	}
}

func (r *Recording) noteParticipant(t *media.Track) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.man.Participants {
		if p.ID == t.ParticipantID {
			return
		}
	}
	r.man.Participants = append(r.man.Participants, archive.Participant{
		ID: t.ParticipantID, Name: t.ParticipantName, FirstSeen: time.Now().UTC(),
	})
}

func (r *Recording) rawDir() string { return filepath.Join(r.cfg.WorkDir, "raw", r.cfg.ID) }

func (r *Recording) startRaw() error {
	if !r.cfg.Raw {
		return nil
	}
	rec, err := rawrec.New(rawrec.Config{
		Dir: r.rawDir(), PartDuration: r.cfg.RawPartDuration, OnFile: r.rawFile, OnLost: r.rawLost,
		Logger: r.log.With("component", "raw"),
	})
	if err != nil {
		return fmt.Errorf("record: raw tracks: %w", err)
	}
	r.raw = rec
	return nil
}

func (r *Recording) closeRaw() {
	if r.raw == nil {
		return
	}
	if err := r.raw.Close(); err != nil {
		r.log.Warn("raw tracks: close", "err", err)
	}
	_ = os.RemoveAll(r.rawDir())
}
