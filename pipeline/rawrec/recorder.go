package rawrec

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Recorder writes every track it is given to its own part files. It
// implements source.Handler; calls for different tracks may run
// concurrently.
type Recorder struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	tracks map[string]*trackRecorder // by track ID
	parts  map[string]int            // next part number by name prefix
	closed bool

	files, bytes, units, dropped, errs atomic.Int64
}

// New checks cfg, creates cfg.Dir and returns a Recorder.
func New(cfg Config) (*Recorder, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("rawrec: create dir: %w", err)
	}
	return &Recorder{
		cfg:    cfg,
		log:    cfg.Logger,
		tracks: make(map[string]*trackRecorder),
		parts:  make(map[string]int),
	}, nil
}

// TrackAdded starts recording t. Tracks of codecs other than H.264, VP8 and
// Opus are logged and ignored.
func (r *Recorder) TrackAdded(t *media.Track) {
	if t == nil {
		return
	}
	tr := newTrackRecorder(r, t)
	if tr.codec == nil {
		r.log.Warn("rawrec: codec not recorded, track ignored", "track", t.ID, "codec", t.Codec)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	old := r.tracks[t.ID]
	r.tracks[t.ID] = tr
	r.mu.Unlock()
	if old != nil {
		r.logErr(old.finish(), t.ID)
	}
}

// Unit records u. Units of unknown tracks, before a track's first usable
// keyframe, malformed or out of PTS order are dropped and counted.
func (r *Recorder) Unit(u *media.Unit) {
	if u == nil || u.Track == nil {
		r.dropped.Add(1)
		return
	}
	tr := r.track(u.Track.ID)
	if tr == nil {
		r.dropped.Add(1)
		return
	}
	tr.unit(u)
}

// TrackRemoved closes the track's open part.
func (r *Recorder) TrackRemoved(t *media.Track) {
	if t == nil {
		return
	}
	r.mu.Lock()
	tr := r.tracks[t.ID]
	if tr != nil && tr.track.Codec == t.Codec {
		delete(r.tracks, t.ID)
	}
	r.mu.Unlock()
	if tr != nil {
		r.logErr(tr.finish(), t.ID)
	}
}

// Close closes every open part, calling OnFile for each. It is
// idempotent; later calls return nil.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	tracks := r.tracks
	r.tracks = nil
	r.mu.Unlock()
	var errs []error
	for _, tr := range tracks {
		errs = append(errs, tr.finish())
	}
	return errors.Join(errs...)
}

// Stats returns the counters.
func (r *Recorder) Stats() Stats {
	return Stats{
		Files:   r.files.Load(),
		Bytes:   r.bytes.Load(),
		Units:   r.units.Load(),
		Dropped: r.dropped.Load(),
		Errors:  r.errs.Load(),
	}
}

func (r *Recorder) track(id string) *trackRecorder {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tracks[id]
}

// nextPart returns the next part number of a name prefix, from 1, so a
// track added again never overwrites its earlier parts.
func (r *Recorder) nextPart(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parts[prefix]++
	return r.parts[prefix]
}

func (r *Recorder) logErr(err error, track string) {
	if err != nil {
		r.log.Error("rawrec: close part", "track", track, "err", err)
	}
}
