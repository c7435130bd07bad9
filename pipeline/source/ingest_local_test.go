package source_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/testutil"
)

// runLocalIngest runs an Ingest of e2eRoom through m in process, with
// rec as its Handler; it returns the Ingest, Run's result channel and a
// stop function that cancels Run and waits for it.
func runLocalIngest(t *testing.T, m *room.Manager, rec *recorder) (*source.Ingest, <-chan error, func()) {
	t.Helper()
	in, err := source.New(source.Config{
		Local: m.In(""), Room: e2eRoom, Name: "job", Handler: rec, Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr, runDone := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(runDone)
		runErr <- in.Run(ctx)
	}()
	return in, runErr, func() { cancel(); <-runDone }
}

// TestLocalIngestFollowsRoom is TestIngestFollowsRoom in process: the
// same Handler calls, frames and A/V alignment, with no WebRTC
// subscription in the room, and Run ending when the room is deleted.
func TestLocalIngestFollowsRoom(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()

	rec := newRecorder()
	in, runErr, stop := runLocalIngest(t, m, rec)
	defer stop()
	testutil.Eventually(t, 10*time.Second, "the local subscription", func() bool {
		info, err := m.Get(e2eRoom)
		return err == nil && info.LocalSubscribers == 1
	})

	alice := startPublisher(t, srv.URL, "alice", media.CodecVP8, 4*time.Second)
	bob := startPublisher(t, srv.URL, "bob", media.CodecH264, 0)
	defer bob.close(t)
	testutil.Eventually(t, 60*time.Second, "media of alice and bob", func() bool {
		return rec.flowing("alice", 30) && rec.flowing("bob", 30)
	})
	if info, _ := m.Get(e2eRoom); info.Subscribers != 0 {
		t.Errorf("room has %d WebRTC subscribers, want none: the ingest reads in process", info.Subscribers)
	}
	if err := alice.wait(t); err != nil {
		t.Fatalf("alice: %v", err)
	}
	testutil.Eventually(t, 10*time.Second, "alice's tracks removed", func() bool { return rec.gone("alice") })
	checkFramesSent(t, rec, in, "alice", alice.p.Stats())

	testutil.Eventually(t, 10*time.Second, "a second of steady media of bob", func() bool {
		v, a, _ := rec.of("bob")
		return len(v.offsets) >= 30 && len(a.offsets) >= 50
	})
	checkAligned(t, rec, "bob")
	before := bob.p.Stats().PLIs
	testutil.Eventually(t, 10*time.Second, "bob's PLI", func() bool {
		in.RequestKeyframe(bobVideo(in))
		return bob.p.Stats().PLIs > before
	})

	if err := m.Delete(e2eRoom); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-runErr:
		if !errors.Is(err, source.ErrSubscriptionEnded) {
			t.Fatalf("Run after room deletion: %v, want ErrSubscriptionEnded", err)
		}
		t.Logf("Run: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after the room was deleted")
	}
	for _, l := range rec.all() {
		if l.added != 1 || l.removed != 1 {
			t.Errorf("track %s: added %d, removed %d", l.track.ID, l.added, l.removed)
		}
	}
	for _, s := range in.Stats() {
		logStats(t, s)
		if s.Active || s.Frames == 0 {
			t.Errorf("stats %+v", s)
		}
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}

func bobVideo(in *source.Ingest) string {
	s, _ := trackStats(in, "bob", media.KindVideo)
	return s.Track.ID
}

// TestLocalIngestEnds: a missing room is ErrRoomNotFound; cancelling Run
// returns nil after every track is removed and the subscription left.
func TestLocalIngestEnds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()

	in, err := source.New(source.Config{Local: m.In(""), Room: "nowhere", Handler: newRecorder()})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); !errors.Is(err, source.ErrRoomNotFound) {
		t.Fatalf("Run of a missing room: %v, want ErrRoomNotFound", err)
	}

	dave := startPublisher(t, srv.URL, "dave", media.CodecVP8, 0)
	defer dave.close(t)
	rec := newRecorder()
	_, runErr, stop := runLocalIngest(t, m, rec)
	testutil.Eventually(t, 60*time.Second, "media of dave", func() bool { return rec.flowing("dave", 30) })
	stop()
	if err := <-runErr; err != nil {
		t.Fatalf("Run after cancel: %v, want nil", err)
	}
	if !rec.gone("dave") {
		t.Fatal("Run returned before TrackRemoved")
	}
	if info, err := m.Get(e2eRoom); err != nil || info.LocalSubscribers != 0 {
		t.Fatalf("room after Run: %+v, %v; want the local subscription gone", info, err)
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}
