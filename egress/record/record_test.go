package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
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
	before, after := splitAt(fx.Units, 5*time.Second)
	runAndDetach(t, first, before)
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

// TestRawNamesAfterHandover: a new owner numbers its raw parts from 1
// again; its names carry its generation, so no name is listed twice and
// every listed part is stored with its hash.
func TestRawNamesAfterHandover(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	id := archive.NewID(time.Now())
	track := *fx.Video
	track.ParticipantID, track.ParticipantName = "p1", "alice"
	feed := func(r *Recording, from, to time.Duration) {
		r.TrackAdded(&track)
		for _, u := range fx.Units {
			if u.Track == fx.Video && u.DTS >= from && u.DTS < to {
				c := *u
				c.Track = &track
				r.Unit(&c)
			}
		}
		r.TrackRemoved(&track)
	}
	cfg := Config{ID: id, Tenant: "acme", Room: "hall", Egress: "EG_1", Raw: true, Spool: e.spool, WorkDir: e.work}
	first, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	feed(first, 0, 5*time.Second)
	if err := first.Detach(); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	stored, err := e.cat.Get(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Resume = stored
	second, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	feed(second, 5*time.Second, fx.Length+time.Second)
	if err := second.Finish(nil); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	m, err := e.cat.Get(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var gen1 int
	for _, f := range m.Raw {
		if seen[f.Name] {
			t.Errorf("raw part %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if strings.Contains(f.Name, "/g1-") {
			gen1++
		}
	}
	if len(m.Raw) != 2 || gen1 != 1 {
		t.Fatalf("raw parts %+v: want one of each generation", m.Raw)
	}
	for _, f := range m.Raw {
		rc, err := e.cat.Open(context.Background(), m, f.Name)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: stored object does not match the manifest", f.Name)
		}
	}
}

// TestInterruptOrphan: a recording its last recorder left open (handed
// over, then nobody took it) is ended as interrupted with a VOD
// playlist; an ended one is left alone.
func TestInterruptOrphan(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	r := e.start(t, 2*time.Second)
	if err := r.Run(context.Background(), &sliceSource{units: fx.Units}); err != nil {
		t.Fatal(err)
	}
	if err := r.Detach(); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	ctx := context.Background()
	done, err := Interrupt(ctx, "acme", "hall", r.ID(), "stopped while waiting for a worker", e.spool, e.cat)
	if err != nil || !done {
		t.Fatalf("Interrupt: %v, %v", done, err)
	}
	e.flush(t)
	m, err := e.cat.Get(ctx, "acme", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != archive.StatusInterrupted || m.EndedAt == nil || m.Error != "stopped while waiting for a worker" || len(m.Segments) == 0 {
		t.Fatalf("after Interrupt: status %s, ended %v, error %q, %d segments", m.Status, m.EndedAt, m.Error, len(m.Segments))
	}
	rc, err := e.cat.Open(ctx, m, archive.PlaylistName)
	if err != nil {
		t.Fatal(err)
	}
	pl, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.Contains(string(pl), "#EXT-X-ENDLIST") {
		t.Errorf("playlist is not a VOD:\n%s", pl)
	}
	if done, err := Interrupt(ctx, "acme", "hall", r.ID(), "again", e.spool, e.cat); err != nil || done {
		t.Errorf("second Interrupt: %v, %v; want false, nil", done, err)
	}
	if done, err := Interrupt(ctx, "acme", "hall", archive.NewID(time.Now()), "none", e.spool, e.cat); err != nil || done {
		t.Errorf("Interrupt of a missing recording: %v, %v; want false, nil", done, err)
	}
}

// TestOwnerMergesOrphans: the recorder that took a recording over merges
// the segments the killed one had closed but not uploaded by then (its
// restart uploaded them): they go before the new owner's segments, in
// time order, and the new owner's own segments move after them.
func TestOwnerMergesOrphans(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	first := e.start(t, 2*time.Second)
	before, after := splitAt(fx.Units, 6*time.Second)
	runAndDetach(t, first, before)
	e.flush(t)
	full, err := e.cat.Get(context.Background(), "acme", first.ID())
	if err != nil || len(full.Segments) < 3 {
		t.Fatalf("first recorder: %v, %+v", err, full)
	}
	// What the store had when the first recorder died: its last two
	// segments had not been uploaded yet.
	atKill := *full
	atKill.Segments = append([]archive.Segment(nil), full.Segments[:len(full.Segments)-2]...)
	atKill.Duration = 0
	for _, s := range atKill.Segments {
		atKill.Duration += s.Duration
	}
	resume := atKill
	resume.Segments = append([]archive.Segment(nil), atKill.Segments...)
	second, err := Start(Config{
		ID: first.ID(), Tenant: "acme", Room: "hall", Egress: "EG_1", SegmentDuration: 2 * time.Second,
		Spool: e.spool, WorkDir: e.work, Resume: &resume,
	})
	if err != nil {
		t.Fatal(err)
	}
	orphans := archive.FindOrphans(full, &atKill, 0)
	// The killed recorder's restart reports them half way through.
	src := &hookSource{sliceSource: sliceSource{units: after}, at: len(after) / 2, hook: func() {
		res, err := second.AddOrphans(orphans)
		if err != nil || res.Segments != 2 {
			t.Errorf("AddOrphans: %+v, %v", res, err)
		}
	}}
	if err := second.Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if err := second.Finish(nil); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	m, err := e.cat.Get(context.Background(), "acme", first.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Discontinuities) != 1 {
		t.Fatalf("discontinuities %+v, want the takeover's only", m.Discontinuities)
	}
	k := len(atKill.Segments)
	for i, s := range m.Segments {
		if s.Sequence != uint64(i) {
			t.Errorf("segment %d (%s) has sequence %d", i, s.Name, s.Sequence)
		}
		if i > 0 && math.Abs(s.Start-(m.Segments[i-1].Start+m.Segments[i-1].Duration)) > 0.001 {
			t.Errorf("segment %d (%s) starts at %.3f, after %.3f", i, s.Name, s.Start, m.Segments[i-1].Start+m.Segments[i-1].Duration)
		}
		gen1 := strings.HasPrefix(s.Name, "g1-")
		if gen1 != (i >= k+2) {
			t.Errorf("segment %d is %s: want the two orphans at %d and %d, then generation 1", i, s.Name, k, k+1)
		}
		if s.Discontinuity != (i == k+2) || (i == k+2 && m.Discontinuities[0].Sequence != s.Sequence) {
			t.Errorf("segment %d (%s) discontinuity %v (%+v)", i, s.Name, s.Discontinuity, m.Discontinuities)
		}
	}
	if d := m.Duration - fx.Length.Seconds(); d < -0.2 || d > 0.2 {
		t.Errorf("duration %.3f s, want about %.3f", m.Duration, fx.Length.Seconds())
	}
	e.checkHashes(t, m)
	if _, err := second.AddOrphans(orphans); !errors.Is(err, ErrEnded) {
		t.Errorf("AddOrphans after Finish: %v, want ErrEnded", err)
	}
}

// hookSource calls hook before it returns unit at.
type hookSource struct {
	sliceSource
	at   int
	hook func()
}

func (s *hookSource) Read(ctx context.Context) (*media.Unit, error) {
	if s.i == s.at {
		s.hook()
	}
	return s.sliceSource.Read(ctx)
}

// splitAt splits units at DTS at.
func splitAt(units []*media.Unit, at time.Duration) (before, after []*media.Unit) {
	for _, u := range units {
		if u.DTS < at {
			before = append(before, u)
		} else {
			after = append(after, u)
		}
	}
	return before, after
}

// runAndDetach records units with r, then hands the recording over.
func runAndDetach(t *testing.T, r *Recording, units []*media.Unit) {
	t.Helper()
	if err := r.Run(context.Background(), &sliceSource{units: units}); err != nil {
		t.Fatal(err)
	}
	if err := r.Detach(); err != nil {
		t.Fatal(err)
	}
}

// TestRawMediaLostToTheDiskIsCounted: raw parts that cannot be written
// (the work directory's disk, here a file where the directory was) are
// counted as dropped in the manifest, like parts the spool refused.
func TestRawMediaLostToTheDiskIsCounted(t *testing.T) {
	fx := mediafixture.Load(t)
	e := newEnv(t, 1<<30)
	id := archive.NewID(time.Now())
	r, err := Start(Config{ID: id, Tenant: "acme", Room: "hall", Egress: "EG_1", Raw: true, Spool: e.spool, WorkDir: e.work})
	if err != nil {
		t.Fatal(err)
	}
	dir := r.rawDir()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	track := *fx.Video
	track.ParticipantID, track.ParticipantName = "p1", "alice"
	r.TrackAdded(&track)
	for _, u := range fx.Units {
		if u.Track == fx.Video {
			c := *u
			c.Track = &track
			r.Unit(&c)
		}
	}
	r.TrackRemoved(&track)
	if err := r.Finish(nil); err != nil {
		t.Fatal(err)
	}
	e.flush(t)
	m, err := e.cat.Get(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dropped == nil || m.Dropped.Raw != 1 || len(m.Raw) != 0 {
		t.Errorf("dropped %+v, raw %+v: want the lost raw media counted once", m.Dropped, m.Raw)
	}
}
