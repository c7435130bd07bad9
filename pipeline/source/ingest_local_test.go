package source_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/testutil"
)

// subscribeWithout is how a test's Ingest reads the room without WebRTC:
// in process (Config.Local) or over a relay connection (Config.Relay).
type subscribeWithout func(m *room.Manager, srv *httptest.Server) source.Config

func inProcess(m *room.Manager, _ *httptest.Server) source.Config {
	return source.Config{Local: m.In("")}
}

func overRelay(_ *room.Manager, srv *httptest.Server) source.Config {
	return source.Config{Server: srv.URL, Token: e2eToken, Relay: true}
}

// withoutWebRTC is the room's count of subscribers of the kind how makes.
func withoutWebRTC(info room.Info, cfg source.Config) int {
	if cfg.Relay {
		return info.RelaySubscribers
	}
	return info.LocalSubscribers
}

// runIngestWithout runs an Ingest of e2eRoom with cfg, with rec as its
// Handler; it returns the Ingest, Run's result channel and a stop function
// that cancels Run and waits for it.
func runIngestWithout(t *testing.T, cfg source.Config, rec *recorder) (*source.Ingest, <-chan error, func()) {
	t.Helper()
	cfg.Room, cfg.Name, cfg.Handler, cfg.Logger = e2eRoom, "job", rec, testLogger()
	in, err := source.New(cfg)
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
func TestLocalIngestFollowsRoom(t *testing.T) { followsRoomWithout(t, inProcess) }

// TestRelayIngestFollowsRoom is TestIngestFollowsRoom over a relay
// connection: the room serves it as an in-process subscription, and the
// Ingest sees the same Handler calls, frames, alignment, PLIs and end.
func TestRelayIngestFollowsRoom(t *testing.T) { followsRoomWithout(t, overRelay) }

func followsRoomWithout(t *testing.T, how subscribeWithout) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()

	rec := newRecorder()
	cfg := how(m, srv)
	in, runErr, stop := runIngestWithout(t, cfg, rec)
	defer stop()
	testutil.Eventually(t, 10*time.Second, "the local subscription", func() bool {
		info, err := m.Get(e2eRoom)
		return err == nil && withoutWebRTC(info, cfg) == 1
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
func TestLocalIngestEnds(t *testing.T) { endsWithout(t, inProcess) }

// TestRelayIngestEnds is TestLocalIngestEnds over a relay connection.
func TestRelayIngestEnds(t *testing.T) { endsWithout(t, overRelay) }

func endsWithout(t *testing.T, how subscribeWithout) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()

	cfg := how(m, srv)
	cfg.Room, cfg.Handler = "nowhere", newRecorder()
	in, err := source.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); !errors.Is(err, source.ErrRoomNotFound) {
		t.Fatalf("Run of a missing room: %v, want ErrRoomNotFound", err)
	}

	dave := startPublisher(t, srv.URL, "dave", media.CodecVP8, 0)
	defer dave.close(t)
	rec := newRecorder()
	_, runErr, stop := runIngestWithout(t, how(m, srv), rec)
	testutil.Eventually(t, 60*time.Second, "media of dave", func() bool { return rec.flowing("dave", 30) })
	stop()
	if err := <-runErr; err != nil {
		t.Fatalf("Run after cancel: %v, want nil", err)
	}
	if !rec.gone("dave") {
		t.Fatal("Run returned before TrackRemoved")
	}
	// In process it is gone when Run returns; a relay's server side leaves
	// once it reads the connection's end.
	testutil.Eventually(t, 10*time.Second, "the subscription gone from the room", func() bool {
		info, err := m.Get(e2eRoom)
		return err == nil && info.LocalSubscribers+info.RelaySubscribers == 0
	})
	for _, e := range rec.errors() {
		t.Error(e)
	}
}

// TestRelayFallsBackToWebRTC: a server without the relay endpoint (an
// older serve: 404) is subscribed to over WebRTC.
func TestRelayFallsBackToWebRTC(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/relay") {
			jsonError(w, http.StatusNotFound, errors.New("no such endpoint"))
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer old.Close()

	erin := startPublisher(t, srv.URL, "erin", media.CodecH264, 0)
	defer erin.close(t)
	rec := newRecorder()
	r := startIngest(t, m, source.Config{Server: old.URL, Relay: true, Handler: rec})
	testutil.Eventually(t, 60*time.Second, "media of erin over WebRTC", func() bool { return rec.flowing("erin", 30) })
	if info, _ := m.Get(e2eRoom); info.RelaySubscribers != 0 || info.Subscribers != 1 {
		t.Errorf("room %+v: want one WebRTC subscriber and no relay", info)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}
