package source_test

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/testutil"
)

// newTestRoom starts a room manager with the e2eRoom room and its HTTP
// endpoints on 127.0.0.1; cleanup closes both.
func newTestRoom(t *testing.T) (m *room.Manager, srv *httptest.Server, cleanup func()) {
	t.Helper()
	m, err := room.NewManager(room.Config{RTC: rtc.Options{LoopbackOnly: true}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv = newRoomServer(m)
	if _, err := m.Create(e2eRoom); err != nil {
		srv.Close()
		_ = m.Close()
		t.Fatal(err)
	}
	return m, srv, func() {
		srv.Close()
		_ = m.Close()
	}
}

// listenLoopbackUDP opens a UDP socket on 127.0.0.1.
func listenLoopbackUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runningIngest is an Ingest whose Run runs in a goroutine.
type runningIngest struct {
	in     *source.Ingest
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned err
	err    error
}

// startIngest runs an Ingest of e2eRoom on srv with rec as its Handler and
// waits until m has its subscription.
func startIngest(t *testing.T, m *room.Manager, cfg source.Config) *runningIngest {
	t.Helper()
	cfg.Token, cfg.Room, cfg.LoopbackOnly, cfg.Logger = e2eToken, e2eRoom, true, testLogger()
	in, err := source.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningIngest{in: in, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = in.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-r.done }) // after a failure; stop is the normal way
	testutil.Eventually(t, 10*time.Second, "the subscription", func() bool {
		info, err := m.Get(e2eRoom)
		return err == nil && info.Subscribers == 1
	})
	return r
}

// stop cancels Run and returns its result.
func (r *runningIngest) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

// trackStats returns the ingest's stats of a participant's track of a
// kind.
func trackStats(in *source.Ingest, name string, kind media.Kind) (source.TrackStats, bool) {
	for _, s := range in.Stats() {
		if s.Track.ParticipantName == name && s.Track.Kind == kind {
			return s, true
		}
	}
	return source.TrackStats{}, false
}

func logStats(t *testing.T, s source.TrackStats) {
	t.Helper()
	t.Logf("%s %s/%s: packets %d lost %d recovered %d dup %d late %d malformed %d bad timestamps %d frames %d key %d dropped %d plis %d",
		s.Track.ParticipantName, s.Track.Kind, s.Track.Codec, s.Packets, s.Lost, s.Recovered, s.Duplicates, s.Late,
		s.Malformed, s.BadTimestamps, s.Frames, s.Keyframes, s.DroppedFrames, s.PLIsSent)
}
