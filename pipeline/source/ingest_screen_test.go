package source_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestIngestTrackSources checks that the ingest gives each track the
// source the room announced: a camera and a microphone for an ordinary
// publisher, a screen (and a microphone) for a screen-share session.
func TestIngestTrackSources(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()
	rec := newRecorder()
	in := startIngest(t, m, source.Config{Server: srv.URL, Name: "recorder", Handler: rec})
	erin := startPublisher(t, srv.URL, "erin", media.CodecVP8, 0)
	defer erin.close(t)
	share := startPublisher(t, srv.URL+"/screen", "erin (screen)", media.CodecVP8, 0)
	defer share.close(t)
	testutil.Eventually(t, 60*time.Second, "media of erin and her screen", func() bool {
		return rec.flowing("erin", 10) && rec.flowing("erin (screen)", 10)
	})
	for _, c := range []struct {
		name         string
		video, audio media.Source
	}{
		{"erin", media.SourceCamera, media.SourceMicrophone},
		{"erin (screen)", media.SourceScreen, media.SourceMicrophone},
	} {
		v, a, _ := rec.of(c.name)
		if v.track.Source != c.video || a.track.Source != c.audio {
			t.Errorf("%s: video source %q, audio %q; want %q and %q", c.name, v.track.Source, a.track.Source, c.video, c.audio)
		}
		if v.track.IsScreen() != (c.video == media.SourceScreen) {
			t.Errorf("%s: IsScreen %v", c.name, v.track.IsScreen())
		}
	}
	if err := in.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}
