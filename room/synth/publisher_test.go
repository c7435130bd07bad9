package synth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

const (
	testFPS      = 30
	testDuration = 3 * time.Second
)

func TestPublishVP8(t *testing.T)  { testPublish(t, media.CodecVP8) }
func TestPublishH264(t *testing.T) { testPublish(t, media.CodecH264) }

// testPublish runs a publisher for testDuration against the test server,
// sends one PLI mid-GOP, and compares what was sent with what arrived.
func testPublish(t *testing.T, codec media.Codec) {
	defer goleak.VerifyNone(t)
	srv := newTestWHIPServer(t)
	defer srv.close()
	log, logs := newTestLogger()
	name := "synth " + string(codec) + "/ü" // escaping in the query
	pub, err := New(Config{
		Server: srv.srv.URL, Token: testToken, Room: testRoom, Name: name, Codec: codec,
		FPS: testFPS, Duration: testDuration, LoopbackOnly: true, CacheDir: testCacheDir, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pub.Run(context.Background()) }()

	waitReady(t, pub, done)
	if !pub.Stats().Connected {
		t.Error("Stats().Connected is false while streaming")
	}
	pliAfter := sendPLIMidGOP(t, srv)
	if err := waitRun(t, done, testDuration+15*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st := pub.Stats()
	t.Logf("stats %+v", st)
	checkSent(t, st)
	checkReceived(t, srv, st, name, pliAfter)
	if strings.Contains(logs.String(), testToken) {
		t.Error("the token appears in the log")
	}
}

func waitReady(t *testing.T, pub *Publisher, done chan error) {
	t.Helper()
	select {
	case <-pub.Ready():
	case err := <-done:
		t.Fatalf("Run ended before ready: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("not ready after 20s")
	}
}

func waitRun(t *testing.T, done chan error, within time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		t.Fatalf("Run did not return within %s", within)
		return nil
	}
}

// sendPLIMidGOP sends a PLI half way into the second GOP, where the next
// regular keyframe is half a second away, and returns the number of frames
// received before it.
func sendPLIMidGOP(t *testing.T, srv *testWHIPServer) uint64 {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, "1.5 s of video", func() bool {
		p := srv.firstPeer()
		return p != nil && p.videoFrames.Load() >= testFPS*3/2
	})
	p := srv.firstPeer()
	n := p.videoFrames.Load()
	if err := p.sendPLI(); err != nil {
		t.Fatalf("send PLI: %v", err)
	}
	return n
}

func checkSent(t *testing.T, st Stats) {
	t.Helper()
	// The schedule bounds the counts exactly, however loaded the machine.
	if want := uint64(testFPS * testDuration / time.Second); st.VideoFrames != want {
		t.Errorf("sent %d video frames in %s, want %d", st.VideoFrames, testDuration, want)
	}
	if want := uint64(testDuration / (20 * time.Millisecond)); st.AudioFrames != want {
		t.Errorf("sent %d audio packets, want %d", st.AudioFrames, want)
	}
	if st.Keyframes < 3 {
		t.Errorf("sent %d keyframes, want at least one per second", st.Keyframes)
	}
	if st.PLIs < 1 {
		t.Errorf("counted %d PLIs, want at least 1", st.PLIs)
	}
	if st.ParticipantID != "p1" {
		t.Errorf("ParticipantID = %q, want p1", st.ParticipantID)
	}
	if st.Connected {
		t.Error("Stats().Connected is true after Run returned")
	}
}

func checkReceived(t *testing.T, srv *testWHIPServer, st Stats, name string, pliAfter uint64) {
	t.Helper()
	if got := srv.deletedIDs(); len(got) != 1 || got[0] != "p1" {
		t.Fatalf("DELETEs for %v, want [p1]", got)
	}
	if srv.names[0] != name {
		t.Errorf("server saw name %q, want %q", srv.names[0], name)
	}
	p := srv.firstPeer()
	if got := p.videoFrames.Load(); absDiff(got, st.VideoFrames) > 3 {
		t.Errorf("received %d complete video frames, sent %d", got, st.VideoFrames)
	}
	if got := p.audioPackets.Load(); absDiff(got, st.AudioFrames) > 5 {
		t.Errorf("received %d audio packets, sent %d", got, st.AudioFrames)
	}
	if p.firstFrameKey.Load() != 1 {
		t.Error("the first video frame received is not a keyframe")
	}
	if got, want := p.videoKeys.Load(), st.Keyframes; got != want {
		t.Errorf("received %d keyframes, sent %d", got, want)
	}
	checkPLIKeyframe(t, p, pliAfter)
	for _, kind := range []string{"video", "audio"} {
		if id, _ := p.streamIDs.Load(kind); id != streamID(name) {
			t.Errorf("%s stream id %q, want %q", kind, id, streamID(name))
		}
	}
}

// checkPLIKeyframe wants a keyframe soon after the PLI, before the regular
// one at frame 2*FPS+1. If load delayed the PLI past mid-GOP the check
// cannot tell the two apart and only logs.
func checkPLIKeyframe(t *testing.T, p *testPeer, pliAfter uint64) {
	t.Helper()
	const regular = 2*testFPS + 1
	key := p.keyframeAfter(pliAfter)
	if pliAfter > regular-8 {
		t.Logf("PLI sent late (after frame %d): keyframe check inconclusive", pliAfter)
		return
	}
	if key == 0 || key >= regular {
		t.Errorf("PLI after frame %d: next keyframe at frame %d, want before the regular one at %d", pliAfter, key, regular)
	}
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestPublishRejected checks that a refusal names the status and the
// server's message and that nothing is left behind.
func TestPublishRejected(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := newTestWHIPServer(t)
	defer srv.close()
	cases := []struct {
		name, token, room string
		code              int
		message           string
	}{
		{"bad token", "wrong", testRoom, http.StatusUnauthorized, "invalid API key"},
		{"no such room", testToken, "nope", http.StatusNotFound, "room not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, logs := newTestLogger()
			pub, err := New(Config{Server: srv.srv.URL + "/", Token: tc.token, Room: tc.room, Name: "n",
				Codec: media.CodecVP8, LoopbackOnly: true, CacheDir: testCacheDir, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			err = pub.Run(context.Background())
			checkStatusError(t, err, tc.code, tc.message)
			if strings.Contains(logs.String(), tc.token) || strings.Contains(err.Error(), tc.token) {
				t.Error("the token leaked into the log or the error")
			}
		})
	}
	if got := srv.deletedIDs(); len(got) != 0 {
		t.Errorf("DELETEs %v after refused publishes", got)
	}
}

func checkStatusError(t *testing.T, err error, code int, message string) {
	t.Helper()
	var se *StatusError
	if !errors.As(err, &se) || se.Code != code || se.Message != message {
		t.Fatalf("error %v, want a StatusError %d %q", err, code, message)
	}
	for _, want := range []string{http.StatusText(code), message} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// TestRunCancelled checks that cancelling ctx ends an open-ended Run
// normally, with the resource deleted.
func TestRunCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := newTestWHIPServer(t)
	defer srv.close()
	pub, err := New(Config{Server: srv.srv.URL, Token: testToken, Room: testRoom, Name: "cancel",
		Codec: media.CodecVP8, FPS: 15, Width: 160, Height: 120, LoopbackOnly: true, CacheDir: testCacheDir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- pub.Run(ctx) }()
	waitReady(t, pub, done)
	// Let the server side settle too: pion v3 can leak an SRTP read
	// goroutine when a PeerConnection closes while its SRTP starts.
	testutil.Eventually(t, 5*time.Second, "frames at the server", func() bool {
		p := srv.firstPeer()
		return p != nil && p.videoFrames.Load() >= 3
	})
	cancel()
	if err := waitRun(t, done, 10*time.Second); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if got := srv.deletedIDs(); len(got) != 1 {
		t.Errorf("DELETEs %v, want one", got)
	}
	if err := pub.Run(context.Background()); !errors.Is(err, ErrAlreadyRun) {
		t.Errorf("second Run: %v, want ErrAlreadyRun", err)
	}
}

// TestConcurrentPublishers starts several publishers at once on an empty
// cache: they share one encode and each session counts out right.
func TestConcurrentPublishers(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := newTestWHIPServer(t)
	defer srv.close()
	cache := t.TempDir()
	pubs := make([]*Publisher, 4)
	errs := make([]error, len(pubs))
	var wg sync.WaitGroup
	for i := range pubs {
		codec := []media.Codec{media.CodecVP8, media.CodecH264}[i%2]
		pub, err := New(Config{Server: srv.srv.URL, Token: testToken, Room: testRoom, Name: fmt.Sprintf("bot-%d", i),
			Codec: codec, Width: 160, Height: 120, FPS: 15, Duration: 2 * time.Second, LoopbackOnly: true, CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		pubs[i] = pub
		wg.Go(func() { errs[i] = pub.Run(context.Background()) })
	}
	wg.Wait()
	for i, pub := range pubs {
		st := pub.Stats()
		if errs[i] != nil || st.VideoFrames != 30 || st.AudioFrames != 100 {
			t.Errorf("publisher %d: %v, stats %+v", i, errs[i], st)
			continue
		}
		if got := srv.peer(st.ParticipantID).videoFrames.Load(); absDiff(got, st.VideoFrames) > 3 {
			t.Errorf("publisher %d: server received %d frames of %d", i, got, st.VideoFrames)
		}
	}
	if got := len(srv.deletedIDs()); got != len(pubs) {
		t.Errorf("%d DELETEs, want %d", got, len(pubs))
	}
}
