package rtmp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestPublishToNginx publishes the fixture to nginx-rtmp over RTMP and
// over RTMPS (nginx's stream module terminating TLS) and checks the FLV
// nginx recorded.
func TestPublishToNginx(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{})
	for _, tc := range []struct {
		name string
		url  func(app, key string) string
	}{{"rtmp", srv.RTMPURL}, {"rtmps", srv.RTMPSURL}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := "sk-" + tc.name + "-7f3a9c21e5"
			var logs logBuffer
			// A short StallTimeout re-arms the read deadline several times:
			// read timeouts while publishing (over TLS too) are not errors.
			o := New(Config{Outbound: loopback, Target: mustTarget(t, tc.url(srv.App(), key)), TLSConfig: srv.TLSConfig(),
				StallTimeout: 400 * time.Millisecond, Logger: logs.logger()})
			src := newTestSource(f, 2)
			start := time.Now()
			if err := o.Run(context.Background(), src); err != nil {
				t.Fatalf("Run: %v\nnginx:\n%s", err, srv.ErrorLog())
			}
			elapsed := time.Since(start)
			path, err := srv.WaitRecordDone(key, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			info := checkRecording(t, path, f.duration)
			if info.videoHeaders < 1 || info.audioHeaders < 1 { // nginx adds its own copies; exact counts: TestWire*
				t.Errorf("sequence headers: %d video, %d audio", info.videoHeaders, info.audioHeaders)
			}
			st := o.Stats()
			if st.Bytes < uint64(info.size)*9/10 || st.Connected || st.LastError != "" {
				t.Errorf("stats %+v (recorded %d bytes)", st, info.size)
			}
			if resets, _ := src.stats(); resets != 1 {
				t.Errorf("Reset called %d times, want 1", resets)
			}
			t.Logf("published %s of media in %s, %d bytes", f.duration, elapsed.Round(time.Millisecond), st.Bytes)
			assertNoKey(t, key, logs.String())
		})
	}
}

// TestRejectedByOnPublish: nginx asks an on_publish hook, which refuses the
// key with 403; nginx then closes the connection and Run must say
// ErrRejected, quickly, without the key.
func TestRejectedByOnPublish(t *testing.T) {
	f := loadFixture(t)
	const goodKey = "good-key-1c8e"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.Form.Get("name") != goodKey {
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	defer hook.Close()
	srv := nginxrtmp.Start(t, nginxrtmp.Options{OnPublish: hook.URL + "/on_publish"})

	const badKey = "bad-key-d41d8cd98f"
	var logs logBuffer
	o := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), badKey)), Logger: logs.logger()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := o.Run(ctx, newTestSource(f, 1))
	elapsed := time.Since(start)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Run = %v, want ErrRejected", err)
	}
	if elapsed > 3*time.Second {
		t.Errorf("rejection took %s", elapsed)
	}
	t.Logf("rejected in %s: %v", elapsed.Round(time.Millisecond), err)
	assertNoKey(t, badKey, err.Error(), o.Stats().LastError, logs.String())

	// The hook does let the right key through.
	good := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), goodKey))})
	src := newTestSource(f, 4)
	src.units = f.units[:fixtureFPS*3/2] // ~1 s
	if err := good.Run(ctx, src); err != nil {
		t.Fatalf("good key: %v", err)
	}
}

// TestNginxKilledMidStream kills nginx while publishing: Run must fail fast
// (not as a rejection); after a restart the same Output publishes again,
// with fresh sequence headers.
func TestNginxKilledMidStream(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{})
	const key = "kill-key-0b5e"
	o := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), key))})
	src := newTestSource(f, 1)
	src.hold = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- o.Run(ctx, src) }()
	testutil.Eventually(t, 5*time.Second, "publishing 2 s of media", func() bool {
		_, read := src.stats()
		return o.Stats().Connected && read > 180
	})
	if kbps := o.Stats().BitrateKbps; kbps < 300 || kbps > 2000 {
		t.Errorf("BitrateKbps = %d while publishing ~600 kbps", kbps)
	}
	killed := time.Now()
	srv.Kill()
	select {
	case err := <-errc:
		took := time.Since(killed)
		if err == nil || errors.Is(err, ErrRejected) {
			t.Fatalf("Run = %v, want a connection error", err)
		}
		t.Logf("Run returned %s after the kill: %v", took.Round(time.Millisecond), err)
		if took > 2*time.Second {
			t.Errorf("Run took %s to notice", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of the kill")
	}
	if st := o.Stats(); st.Connected || st.LastError == "" {
		t.Errorf("stats after the failure: %+v", st)
	}

	srv.Start()
	if err := o.Run(ctx, newTestSource(f, 4)); err != nil {
		t.Fatalf("Run after restart: %v", err)
	}
	path, err := srv.WaitRecordDone(key, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRecording(t, path, f.duration)
}

// TestStopsAtGOPBoundary cancels ctx mid-GOP: Run keeps sending up to the
// next keyframe, unpublishes, and returns nil; the recording holds whole
// GOPs only.
func TestStopsAtGOPBoundary(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{})
	const key = "gop-key-77aa"
	o := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), key))})
	src := newTestSource(f, 2)
	src.hold = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- o.Run(ctx, src) }()
	// Cancel a third of the way into the second GOP.
	testutil.Eventually(t, 10*time.Second, "2.7 s of media", func() bool { _, read := src.stats(); return read > 210 })
	cancel()
	cancelled := time.Now()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	t.Logf("stopped %s after cancel", time.Since(cancelled).Round(time.Millisecond))
	path, err := srv.WaitRecordDone(key, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	info := parseFLV(t, path)
	if info.videoFrames != 2*fixtureGOP || info.keyframes != 2 {
		t.Errorf("recorded %d video frames, %d keyframes; want 2 whole GOPs (%d frames)", info.videoFrames, info.keyframes, 2*fixtureGOP)
	}
}

// TestMetadataReachesPlayers plays the live stream back from nginx
// ("meta copy" relays the publisher's onMetaData verbatim): ffprobe must
// show our metadata and both streams.
func TestMetadataReachesPlayers(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	const key = "meta-key-3d2c"
	o := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), key))})
	src := newTestSource(f, 1)
	src.hold = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- o.Run(ctx, src) }()
	testutil.Eventually(t, 5*time.Second, "publishing", func() bool { return o.Stats().Connected })

	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	defer pcancel()
	out, err := exec.CommandContext(pctx, "ffprobe", "-v", "error", "-show_format", "-show_streams",
		"-of", "json", srv.RTMPURL(srv.App(), key)).Output()
	if err != nil {
		t.Fatalf("ffprobe the live stream: %v", err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	checkStreams(t, p)
	if p.Format.Tags["encoder"] != "roomcast" {
		t.Errorf("format tags %v, want encoder=roomcast from our onMetaData", p.Format.Tags)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestExtendedTimestamps starts the stream's timestamps just below 2^24 ms
// (4h39m), so that they cross into the extended timestamp field (RTMP spec
// 5.3.1.3) mid-stream; nginx must still record a clean file.
func TestExtendedTimestamps(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{})
	const key = "ext-ts-key-51"
	o := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), key))})
	o.tsOffset = 0xFFFFFF - 1500
	src := newTestSource(f, 4)
	src.units = f.units[:len(f.units)/2] // 3 s
	if err := o.Run(context.Background(), src); err != nil {
		t.Fatalf("Run: %v\n%s", err, srv.ErrorLog())
	}
	path, err := srv.WaitRecordDone(key, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRecording(t, path, f.duration/2)
}
