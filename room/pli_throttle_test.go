package room

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/roomcast/roomcast/pipeline/media"
)

type countingRTCP struct{ plis atomic.Int32 }

func (c *countingRTCP) WriteRTCP(pkts []rtcp.Packet) error {
	c.plis.Add(int32(len(pkts)))
	return nil
}

func throttledTrack(w rtcpWriter, throttle time.Duration) *publishedTrack {
	return &publishedTrack{
		env: &env{now: time.Now, pliThrottle: throttle, logEvery: time.Second}, log: slog.New(slog.DiscardHandler),
		codec: media.CodecVP8, pli: w, errLog: newLogLimiter(time.Second), cache: newGOPCache(true),
	}
}

// TestKeyframeRequestsHeldNotDropped: requests inside the throttle period
// are held and sent as one when it ends, never dropped (a browser sends a
// keyframe only when asked).
func TestKeyframeRequestsHeldNotDropped(t *testing.T) {
	w := &countingRTCP{}
	tr := throttledTrack(w, 100*time.Millisecond)
	tr.requestKeyframe()
	for range 3 {
		tr.requestKeyframe()
	}
	if n := w.plis.Load(); n != 1 {
		t.Fatalf("%d PLIs at once, want 1", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for w.plis.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := w.plis.Load(); n != 2 {
		t.Fatalf("%d PLIs after the period, want the held one sent: 2", n)
	}
	time.Sleep(250 * time.Millisecond)
	if n := w.plis.Load(); n != 2 {
		t.Errorf("%d PLIs later, want 2: the held requests go out as one", n)
	}

	// A track that ends drops what it held.
	w2 := &countingRTCP{}
	tr2 := throttledTrack(w2, 100*time.Millisecond)
	tr2.requestKeyframe()
	tr2.requestKeyframe()
	tr2.end()
	time.Sleep(250 * time.Millisecond)
	if n := w2.plis.Load(); n != 1 {
		t.Errorf("%d PLIs from an ended track, want only the first", n)
	}
}
