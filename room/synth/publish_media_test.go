package synth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
)

// mediaRun is how long runMediaPublisher publishes.
const mediaRun = 4 * time.Second

// runMediaPublisher publishes for mediaRun to a test server, a VP8 camera
// of 160x120 at 15 fps with edit applied to the Config. Once Run is done
// and the server closed, and nothing leaked, it returns the publisher and
// the server's peer: for tests of what was sent and what arrived.
func runMediaPublisher(t *testing.T, edit func(*Config)) (*Publisher, *testPeer) {
	t.Helper()
	srv := newTestWHIPServer(t)
	cfg := Config{Server: srv.srv.URL, Token: testToken, Room: testRoom, Name: "synth",
		Codec: media.CodecVP8, Width: 160, Height: 120, FPS: 15, Duration: mediaRun,
		LoopbackOnly: true, CacheDir: testCacheDir}
	edit(&cfg)
	pub, err := New(cfg)
	if err != nil {
		srv.close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pub.Run(context.Background()) }()
	err = waitRun(t, done, mediaRun+40*time.Second)
	peer := srv.firstPeer()
	srv.close()
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	goleak.VerifyNone(t)
	if peer == nil {
		t.Fatal("the server saw no publisher")
	}
	return pub, peer
}

// rtpLog keeps the RTP packets a test peer received on a track, in order
// of arrival.
type rtpLog struct {
	mu   sync.Mutex
	pkts []*rtp.Packet
}

func (l *rtpLog) add(pkt *rtp.Packet) {
	l.mu.Lock()
	l.pkts = append(l.pkts, pkt)
	l.mu.Unlock()
}

// read logs the track's packets until it ends.
func (l *rtpLog) read(track *webrtc.TrackRemote) {
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		l.add(pkt)
	}
}

func (l *rtpLog) packets() []*rtp.Packet {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*rtp.Packet(nil), l.pkts...)
}
