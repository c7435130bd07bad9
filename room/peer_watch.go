package room

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// peerWatch ends a session whose PeerConnection is gone: failed or closed
// at once, not connected within the connect timeout, or disconnected for
// longer than the grace period.
//
// pion runs each state-change handler on a new goroutine, so handlers may
// run out of order; onChange therefore looks at the connection's current
// state rather than at the state it was called with.
type peerWatch struct {
	state func() webrtc.PeerConnectionState
	grace time.Duration
	dead  func(reason string)

	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

func newPeerWatch(e *env, pc *webrtc.PeerConnection, dead func(reason string)) *peerWatch {
	w := &peerWatch{state: pc.ConnectionState, grace: e.disconnectGrace, dead: dead}
	w.arm(e.connectTimeout, fmt.Sprintf("not connected within %s", e.connectTimeout))
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) { w.onChange() })
	return w
}

func (w *peerWatch) onChange() {
	switch s := w.state(); s {
	case webrtc.PeerConnectionStateConnected:
		w.disarm()
	case webrtc.PeerConnectionStateDisconnected:
		w.arm(w.grace, fmt.Sprintf("disconnected for more than %s", w.grace))
	case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		w.dead("peer connection " + s.String())
	}
}

func (w *peerWatch) arm(d time.Duration, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.timer = time.AfterFunc(d, func() { w.dead(reason) })
}

func (w *peerWatch) disarm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

// close stops the watch; it never calls dead afterwards from a timer.
func (w *peerWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

// watchFlood ends the session of a peer whose packets name too many SSRCs
// that nobody reads: closing its PeerConnection frees what pion keeps for
// each of them.
func watchFlood(log *slog.Logger, g *rtc.StreamGuard, dead func(reason string)) {
	g.OnFlood(func() {
		log.Warn("peer sends packets for too many unknown SSRCs, closing it", "streams", g.Stats().Streams)
		dead("packets for too many unknown SSRCs")
	})
}
