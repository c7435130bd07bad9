package source_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/relay"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/room/synth"
	"github.com/roomcast/roomcast/test/testutil"
)

const (
	e2eToken = "test-token"
	e2eRoom  = "lobby"
)

// testLogger logs warnings and errors to stderr (-v shows more with
// ROOMCAST_TEST_DEBUG=1).
func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("ROOMCAST_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// newRoomServer serves the WHIP and subscribe endpoints of m on
// 127.0.0.1, the way the API server does.
func newRoomServer(m *room.Manager) *httptest.Server {
	mux := http.NewServeMux()
	whip := func(screen bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			offer, _ := io.ReadAll(r.Body)
			s, err := m.PublishWith(r.Context(), r.PathValue("room"), room.PublishOptions{
				Name: r.URL.Query().Get("name"), Screen: screen, OfferSDP: string(offer),
			})
			created(w, r, "whip", s, err)
		}
	}
	mux.HandleFunc("POST /v1/rooms/{room}/whip", whip(false))
	// A publisher whose server is {server}/screen publishes a screen share,
	// as screen=1 does on the API.
	mux.HandleFunc("POST /screen/v1/rooms/{room}/whip", whip(true))
	mux.HandleFunc("POST /v1/rooms/{room}/subscribe", func(w http.ResponseWriter, r *http.Request) {
		offer, _ := io.ReadAll(r.Body)
		s, err := m.Subscribe(r.Context(), r.PathValue("room"), room.SubscribeOptions{Name: r.URL.Query().Get("name"), OfferSDP: string(offer)})
		created(w, r, "subscribe", s, err)
	})
	mux.HandleFunc("GET /v1/rooms/{room}/relay", func(w http.ResponseWriter, r *http.Request) {
		relayUpgrade(w, r, m)
	})
	mux.HandleFunc("DELETE /v1/rooms/{room}/whip/{id}", func(w http.ResponseWriter, r *http.Request) {
		deleted(w, m.Unpublish(r.PathValue("room"), r.PathValue("id")))
	})
	mux.HandleFunc("DELETE /v1/rooms/{room}/subscribe/{id}", func(w http.ResponseWriter, r *http.Request) {
		deleted(w, m.Unsubscribe(r.PathValue("room"), r.PathValue("id")))
	})
	return httptest.NewServer(authorized(mux))
}

// relayUpgrade serves a relay subscription the way the API server does
// (api/relay.go): 404 for a missing room, else 101 and room.Scope.Relay.
func relayUpgrade(w http.ResponseWriter, r *http.Request, m *room.Manager) {
	if _, err := m.Get(r.PathValue("room")); err != nil {
		jsonError(w, errStatus(err), err)
		return
	}
	if r.Header.Get("Upgrade") != relay.Protocol {
		jsonError(w, http.StatusUpgradeRequired, errors.New("upgrade required"))
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err)
		return
	}
	_, _ = io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "+relay.Protocol+"\r\n\r\n")
	_ = m.In("").Relay(r.Context(), r.PathValue("room"), r.URL.Query().Get("name"), conn, brw.Reader)
}

func authorized(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+e2eToken {
			jsonError(w, http.StatusUnauthorized, errors.New("bad token"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func created(w http.ResponseWriter, r *http.Request, kind string, s room.Session, err error) {
	if err != nil {
		jsonError(w, errStatus(err), err)
		return
	}
	w.Header().Set("Location", "/v1/rooms/"+r.PathValue("room")+"/"+kind+"/"+s.ID)
	w.Header().Set("Content-Type", "application/sdp")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, s.AnswerSDP)
}

func deleted(w http.ResponseWriter, err error) {
	if err != nil {
		jsonError(w, errStatus(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func errStatus(err error) int {
	switch {
	case errors.Is(err, room.ErrRoomNotFound), errors.Is(err, room.ErrSessionNotFound):
		return http.StatusNotFound
	case errors.Is(err, room.ErrInvalidName), errors.Is(err, room.ErrBadSDP), errors.Is(err, room.ErrUnsupportedCodec):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func jsonError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// trackLog is what the recorder saw of one track.
type trackLog struct {
	track          media.Track
	added, removed int
	units, keys    int
	firstArrival   time.Time
	lastPTS        time.Duration
	// offsets are arrival − PTS of the units after the first 1.5 s (the
	// cached frames of a new track come in a burst, and the room's first
	// sender reports come from packet arrival, before the publisher's).
	offsets []time.Duration
}

// recorder is a Handler that checks the call order and keeps per-track
// counts; every unit's arrival is measured against base.
type recorder struct {
	base time.Time

	mu     sync.Mutex
	tracks map[string]*trackLog
	errs   []string
}

func newRecorder() *recorder {
	return &recorder{base: time.Now(), tracks: map[string]*trackLog{}}
}

func (h *recorder) TrackAdded(t *media.Track) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l, ok := h.tracks[t.ID]; ok && l.removed == 0 {
		h.errs = append(h.errs, "track added twice: "+t.ID)
		return
	}
	h.tracks[t.ID] = &trackLog{track: *t, added: 1}
}

func (h *recorder) Unit(u *media.Unit) {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.tracks[u.Track.ID]
	switch {
	case !ok || l.removed > 0:
		h.errs = append(h.errs, "unit outside TrackAdded/TrackRemoved: "+u.Track.ID)
		return
	case l.units > 0 && u.PTS <= l.lastPTS:
		h.errs = append(h.errs, fmt.Sprintf("%s: PTS %v after %v", u.Track.ID, u.PTS, l.lastPTS))
	case u.DTS != u.PTS || len(u.Data) == 0:
		h.errs = append(h.errs, fmt.Sprintf("%s: DTS %v PTS %v, %d bytes", u.Track.ID, u.DTS, u.PTS, len(u.Data)))
	}
	if l.units == 0 {
		l.firstArrival = now
	}
	l.units++
	if u.Key {
		l.keys++
	}
	l.lastPTS = u.PTS
	if now.Sub(l.firstArrival) > 1500*time.Millisecond {
		l.offsets = append(l.offsets, now.Sub(h.base)-u.PTS)
	}
}

func (h *recorder) TrackRemoved(t *media.Track) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.tracks[t.ID]
	if !ok || l.removed > 0 {
		h.errs = append(h.errs, "track removed without being added, or twice: "+t.ID)
		return
	}
	l.removed++
}

// of returns copies of the logs of a participant's tracks (by name).
func (h *recorder) of(name string) (video, audio trackLog, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.tracks {
		if l.track.ParticipantName != name {
			continue
		}
		n++
		c := *l
		c.offsets = slices.Clone(l.offsets)
		if l.track.Kind == media.KindVideo {
			video = c
		} else {
			audio = c
		}
	}
	return video, audio, n
}

func (h *recorder) all() []trackLog {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []trackLog
	for _, l := range h.tracks {
		out = append(out, *l)
	}
	return out
}

func (h *recorder) errors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.errs)
}

// flowing reports whether a participant's two tracks are added, not
// removed, and have delivered at least min units each.
func (h *recorder) flowing(name string, min int) bool {
	v, a, n := h.of(name)
	return n == 2 && v.removed == 0 && a.removed == 0 && v.units >= min && a.units >= min
}

// gone reports whether a participant's two tracks have been removed.
func (h *recorder) gone(name string) bool {
	v, a, n := h.of(name)
	return n == 2 && v.removed == 1 && a.removed == 1
}

// publisher is a running synth participant.
type publisher struct {
	p    *synth.Publisher
	stop context.CancelFunc
	done chan error
}

func startPublisher(t *testing.T, server, name string, codec media.Codec, d time.Duration) *publisher {
	t.Helper()
	p, err := synth.New(synth.Config{
		Server: server, Token: e2eToken, Room: e2eRoom, Name: name, Codec: codec,
		Duration: d, LoopbackOnly: true, Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pub := &publisher{p: p, stop: cancel, done: make(chan error, 1)}
	go func() { pub.done <- p.Run(ctx) }()
	return pub
}

// wait waits for Run to return.
func (p *publisher) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for close
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("publisher did not stop")
		return nil
	}
}

// close stops the publisher and waits for it (a deferred cleanup, so it
// reports a hang with Error, not Fatal).
func (p *publisher) close(t *testing.T) {
	p.stop()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Error("publisher did not stop")
	}
}

// low returns the 10th percentile: the delivery delay floor, which
// scheduling delays (on a loaded machine, under -race) cannot lower.
func low(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/10]
}

// TestIngestFollowsRoom runs an Ingest against a real room: two
// publishers, one leaving (its frames counted against what it sent), one
// joining, A/V alignment of a publisher, and Run failing when the room is
// deleted.
func TestIngestFollowsRoom(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, err := room.NewManager(room.Config{RTC: rtc.Options{LoopbackOnly: true}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srv := newRoomServer(m)
	defer srv.Close()
	if _, err := m.Create(e2eRoom); err != nil {
		t.Fatal(err)
	}

	rec := newRecorder()
	in, err := source.New(source.Config{
		Server: srv.URL, Token: e2eToken, Room: e2eRoom, Name: "recorder",
		LoopbackOnly: true, Handler: rec, Logger: testLogger(),
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
	defer func() { cancel(); <-runDone }()
	testutil.Eventually(t, 10*time.Second, "the subscription", func() bool {
		info, err := m.Get(e2eRoom)
		return err == nil && info.Subscribers == 1
	})

	// Two publishers; alice leaves on her own after 4 s of media.
	alice := startPublisher(t, srv.URL, "alice", media.CodecVP8, 4*time.Second)
	bob := startPublisher(t, srv.URL, "bob", media.CodecH264, 0)
	defer bob.close(t)
	testutil.Eventually(t, 60*time.Second, "media of alice and bob", func() bool {
		return rec.flowing("alice", 30) && rec.flowing("bob", 30)
	})

	if err := alice.wait(t); err != nil {
		t.Fatalf("alice: %v", err)
	}
	testutil.Eventually(t, 10*time.Second, "alice's tracks removed", func() bool { return rec.gone("alice") })
	checkFramesSent(t, rec, in, "alice", alice.p.Stats())

	// carol joins the running subscription.
	carol := startPublisher(t, srv.URL, "carol", media.CodecVP8, 0)
	defer carol.close(t)
	testutil.Eventually(t, 30*time.Second, "media of carol", func() bool { return rec.flowing("carol", 90) })
	testutil.Eventually(t, 10*time.Second, "a second of steady media of bob and carol", func() bool {
		bv, ba, _ := rec.of("bob")
		cv, ca, _ := rec.of("carol")
		return min(len(bv.offsets), len(cv.offsets)) >= 30 && min(len(ba.offsets), len(ca.offsets)) >= 50
	})
	checkAligned(t, rec, "bob")
	checkAligned(t, rec, "carol")

	select {
	case err := <-runErr:
		t.Fatalf("Run returned while the room lives: %v", err)
	default:
	}

	// Deleting the room ends the subscription.
	if err := m.Delete(e2eRoom); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-runErr:
		if err == nil || !errors.Is(err, source.ErrSubscriptionEnded) {
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
	stats := in.Stats()
	if len(stats) != 6 {
		t.Errorf("Stats has %d tracks, want 6", len(stats))
	}
	for _, s := range stats {
		if s.Active || s.Frames == 0 || s.Packets == 0 {
			t.Errorf("stats %+v", s)
		}
		t.Logf("%s %s/%s: packets %d lost %d recovered %d dup %d late %d malformed %d frames %d key %d dropped %d plis %d",
			s.Track.ParticipantName, s.Track.Kind, s.Track.Codec, s.Packets, s.Lost, s.Recovered, s.Duplicates, s.Late,
			s.Malformed, s.Frames, s.Keyframes, s.DroppedFrames, s.PLIsSent)
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}

// checkFramesSent compares what the ingest delivered of a participant
// with what it sent. The ingest subscribed first, so it gets about every
// frame: the room queues a new track's packets while the renegotiation
// that adds it is under way, seeded with its cache from the last keyframe.
// On a loaded machine that can still start one keyframe interval (1 s, 30
// frames) late, hence the slack.
func checkFramesSent(t *testing.T, rec *recorder, in *source.Ingest, name string, sent synth.Stats) {
	t.Helper()
	v, a, _ := rec.of(name)
	t.Logf("%s: video %d/%d frames (%d key), audio %d/%d packets", name, v.units, sent.VideoFrames, v.keys, a.units, sent.AudioFrames)
	if got, want := uint64(v.units), sent.VideoFrames; got > want || got+synth.DefaultFPS < want*95/100 {
		t.Errorf("%s video: delivered %d frames, sent %d", name, got, want)
	}
	if got, want := uint64(a.units), sent.AudioFrames; got > want || got < want*90/100 {
		t.Errorf("%s audio: delivered %d packets, sent %d", name, got, want)
	}
	if sent.PLIs == 0 {
		t.Errorf("%s got no PLI; the ingest sends one when a video track starts", name)
	}
	for _, s := range in.Stats() {
		if s.Track.ParticipantName == name && (s.Active || s.Track.ParticipantID != sent.ParticipantID) {
			t.Errorf("%s stats: %+v (participant id %q)", name, s, sent.ParticipantID)
		}
	}
}

// checkAligned checks that the audio and video of a participant, which the
// synth sends on one wall clock, come out with aligned PTS: units arrive
// as they are sent, plus a delay, so the floor of arrival − PTS must agree
// across the tracks.
func checkAligned(t *testing.T, rec *recorder, name string) {
	t.Helper()
	v, a, _ := rec.of(name)
	dv, da := low(v.offsets), low(a.offsets)
	skew := dv - da
	t.Logf("%s: A/V skew %v (video arrival−PTS %v, audio %v)", name, skew, dv, da)
	if skew < -50*time.Millisecond || skew > 50*time.Millisecond {
		t.Errorf("%s: audio and video PTS %v apart, want within 50ms", name, skew)
	}
}

// TestIngestStopsOnCancel checks that cancelling Run's context returns nil
// after removing every track and deleting the subscription.
func TestIngestStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, err := room.NewManager(room.Config{RTC: rtc.Options{LoopbackOnly: true}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srv := newRoomServer(m)
	defer srv.Close()
	if _, err := m.Create(e2eRoom); err != nil {
		t.Fatal(err)
	}
	dave := startPublisher(t, srv.URL, "dave", media.CodecVP8, 0)
	defer dave.close(t)

	rec := newRecorder()
	in, err := source.New(source.Config{
		Server: srv.URL, Token: e2eToken, Room: e2eRoom, LoopbackOnly: true, Handler: rec, Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- in.Run(ctx) }()
	testutil.Eventually(t, 60*time.Second, "media of dave", func() bool { return rec.flowing("dave", 30) })
	cancel()
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run after cancel: %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !rec.gone("dave") {
		t.Fatal("Run returned before TrackRemoved")
	}
	info, err := m.Get(e2eRoom)
	if err != nil || info.Subscribers != 0 {
		t.Fatalf("room after Run: %+v, %v; want the subscription deleted", info, err)
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}
