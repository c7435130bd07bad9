package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/test/mediafixture"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sliceSource replays units, then ends the stream.
type sliceSource struct {
	units  []*media.Unit
	i      int
	tracks []*media.Track
	resets int
}

func (s *sliceSource) Read(ctx context.Context) (*media.Unit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.i == len(s.units) {
		return nil, io.EOF
	}
	u := s.units[s.i]
	s.i++
	if !hasTrack(s.tracks, u.Track) {
		var kept []*media.Track
		for _, t := range s.tracks {
			if t.Kind != u.Track.Kind {
				kept = append(kept, t)
			}
		}
		s.tracks = append(kept, u.Track)
	}
	return u, nil
}

func (s *sliceSource) Tracks() []*media.Track { return s.tracks }
func (s *sliceSource) Reset()                 { s.resets++ }

// env is a spool over a local store, uploading while the test runs.
type env struct {
	store *local.Store
	spool *spool.Spool
	cat   *archive.Catalog
	work  string
	stop  func()
}

func newEnv(t *testing.T, maxBytes int64) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := local.Open(filepath.Join(dir, "store"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(filepath.Join(dir, "spool"), st, spool.Options{MaxBytes: maxBytes, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	e := &env{store: st, spool: sp, cat: archive.NewCatalog(st), work: filepath.Join(dir, "work")}
	e.stop = func() { cancel(); <-done; _ = st.Close() }
	t.Cleanup(e.stop)
	return e
}

func (e *env) start(t *testing.T, segDur time.Duration) *Recording {
	t.Helper()
	r, err := Start(Config{
		ID: archive.NewID(time.Now()), Tenant: "acme", Room: "hall", Egress: "EG_1",
		SegmentDuration: segDur, Spool: e.spool, WorkDir: e.work, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.spool.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// record runs r over units to their end, finishes it, waits for the
// uploads and returns the stored manifest.
func (e *env) record(t *testing.T, r *Recording, units []*media.Unit) *archive.Manifest {
	t.Helper()
	if err := r.Run(context.Background(), &sliceSource{units: units}); err != nil {
		t.Fatal(err)
	}
	return e.finish(t, r)
}

// finish finishes r, waits for the uploads and returns the stored
// manifest.
func (e *env) finish(t *testing.T, r *Recording) *archive.Manifest {
	t.Helper()
	if err := r.Finish(nil); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	m, err := e.cat.Get(context.Background(), "acme", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkHashes reads every init and segment back and checks size and hash.
func (e *env) checkHashes(t *testing.T, m *archive.Manifest) {
	t.Helper()
	files := append([]archive.File(nil), m.Inits...)
	for _, s := range m.Segments {
		files = append(files, s.File)
	}
	for _, f := range files {
		rc, err := e.cat.Open(context.Background(), m, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: stored object does not match the manifest", f.Name)
		}
	}
}

func TestRecordingComplete(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	r := e.start(t, 4*time.Second)
	r.TrackAdded(&media.Track{ID: "t1", ParticipantID: "P1", ParticipantName: "alice"})
	m := e.record(t, r, fx.Units)
	if m.Status != archive.StatusComplete || m.EndedAt == nil || len(m.Participants) != 1 || m.Participants[0].Name != "alice" {
		t.Errorf("manifest: status %s, ended %v, participants %+v", m.Status, m.EndedAt, m.Participants)
	}
	if len(m.Segments) != 3 || len(m.Inits) != 1 || len(m.Discontinuities) != 0 {
		t.Fatalf("%d segments, %d inits, %d discontinuities; want 3, 1, 0", len(m.Segments), len(m.Inits), len(m.Discontinuities))
	}
	if d := m.Duration - fx.Length.Seconds(); d < -0.1 || d > 0.1 {
		t.Errorf("duration %.3f s, want %.3f", m.Duration, fx.Length.Seconds())
	}
	if m.Video == nil || m.Video.Width != 320 || m.Audio == nil || m.Audio.SampleRate != 48000 {
		t.Errorf("formats: %+v %+v", m.Video, m.Audio)
	}
	e.checkHashes(t, m)
	rc, err := e.cat.Open(context.Background(), m, archive.PlaylistName)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	p, err := mux.ParsePlaylist(b)
	if err != nil || !p.Ended || len(p.Segments) != 3 {
		t.Errorf("stored playlist: %v %+v", err, p)
	}
	if entries, _ := readJournal(e.work); len(entries) != 0 {
		t.Errorf("journal keeps %d entries after Finish", len(entries))
	}
}

func TestRecordingCodecChange(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	r := e.start(t, 2*time.Second)
	// Halfway, the video track is replaced (a new SPS, as after an encoder
	// restart): a new init segment and a discontinuity.
	v2 := *fx.Video
	var units []*media.Unit
	for _, u := range fx.Units {
		if u.Track == fx.Video && u.DTS >= 5*time.Second {
			c := *u
			c.Track = &v2
			u = &c
		}
		units = append(units, u)
	}
	m := e.record(t, r, units)
	if len(m.Inits) != 2 || len(m.Discontinuities) != 1 {
		t.Fatalf("%d inits, %d discontinuities; want 2 and 1", len(m.Inits), len(m.Discontinuities))
	}
	for i := 1; i < len(m.Segments); i++ {
		if m.Segments[i].Sequence != m.Segments[i-1].Sequence+1 {
			t.Errorf("sequence %d after %d", m.Segments[i].Sequence, m.Segments[i-1].Sequence)
		}
		if end := m.Segments[i-1].Start + m.Segments[i-1].Duration; m.Segments[i].Start < end-0.001 {
			t.Errorf("segment %d starts at %.3f before the previous ends at %.3f", i, m.Segments[i].Start, end)
		}
	}
	e.checkHashes(t, m)
}

func TestRecoverInterrupted(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	r := e.start(t, 2*time.Second)
	// The process "dies" after 6 s of media: no Finish.
	var units []*media.Unit
	for _, u := range fx.Units {
		if u.DTS < 6*time.Second {
			units = append(units, u)
		}
	}
	src := &sliceSource{units: units}
	ctx, cancel := context.WithCancel(context.Background())
	for src.i < len(src.units) {
		u, _ := src.Read(ctx)
		if err := r.push(u, src); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	closed := r.Status().Segments
	left := LeftOver(e.work, e.spool, slog.New(slog.DiscardHandler))
	if left.Len() != 1 {
		t.Fatalf("%d recordings left over, want 1", left.Len())
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	if err := left.Run(rctx, e.spool, e.spool, e.cat); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	m, err := e.cat.Get(context.Background(), "acme", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != archive.StatusInterrupted || len(m.Segments) != closed || closed < 2 {
		t.Errorf("status %s with %d segments; want interrupted with %d (>= 2)", m.Status, len(m.Segments), closed)
	}
	rc, err := e.cat.Open(context.Background(), m, archive.PlaylistName)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(b, []byte("#EXT-X-ENDLIST")) {
		t.Errorf("interrupted playlist not ended:\n%s", b)
	}
	if entries, _ := readJournal(e.work); len(entries) != 0 {
		t.Errorf("journal keeps %d entries after recovery", len(entries))
	}
}

func TestResumeAfterHandover(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	first := e.start(t, 2*time.Second)
	var before, after []*media.Unit
	for _, u := range fx.Units {
		if u.DTS < 5*time.Second {
			before = append(before, u)
		} else {
			after = append(after, u)
		}
	}
	if err := first.Run(context.Background(), &sliceSource{units: before}); err != nil {
		t.Fatal(err)
	}
	if err := first.Detach(); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	stored, err := e.cat.Get(context.Background(), "acme", first.ID())
	if err != nil || stored.Status != archive.StatusRecording {
		t.Fatalf("after handover: %v, status %v", err, stored)
	}
	second, err := Start(Config{
		ID: first.ID(), Tenant: "acme", Room: "hall", Egress: "EG_1", SegmentDuration: 2 * time.Second,
		Spool: e.spool, WorkDir: e.work, Resume: stored,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The new owner's stream starts at a keyframe, on its own clock.
	m := e.record(t, second, after)
	if m.Generation != 1 || m.Status != archive.StatusComplete || len(m.Discontinuities) != 1 {
		t.Fatalf("generation %d, status %s, %d discontinuities; want 1, complete, 1", m.Generation, m.Status, len(m.Discontinuities))
	}
	gen1 := 0
	for i, s := range m.Segments {
		if i > 0 && s.Sequence != m.Segments[i-1].Sequence+1 {
			t.Errorf("sequence %d after %d", s.Sequence, m.Segments[i-1].Sequence)
		}
		if strings.HasPrefix(s.Name, "g1-") {
			gen1++
			if s.Init != "g1-init-0.mp4" {
				t.Errorf("%s uses init %s", s.Name, s.Init)
			}
		}
	}
	if gen1 == 0 || !m.Segments[len(m.Segments)-gen1].Discontinuity {
		t.Errorf("the taken-over part (%d segments) does not start with a discontinuity: %+v", gen1, m.Segments)
	}
	if d := m.Duration - fx.Length.Seconds(); d < -0.2 || d > 0.2 {
		t.Errorf("duration %.3f s, want about %.3f", m.Duration, fx.Length.Seconds())
	}
	e.checkHashes(t, m)
}
