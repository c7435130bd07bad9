package room

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// subscriber receives every track of the room except those of one excluded
// participant, through one PeerConnection. After answering the subscriber's
// first offer, the room drives renegotiation over the rtc.SignalLabel data
// channel whenever the room's track set changes (see negotiation.go).
type subscriber struct {
	env      *env
	log      *slog.Logger
	room     *room
	id, name string
	exclude  string
	pc       *webrtc.PeerConnection
	guard    *rtc.StreamGuard // its SSRC read streams
	watch    *peerWatch
	errLog   *logLimiter

	malformed atomic.Uint64 // bad data-channel messages

	opened   chan struct{} // the signal channel is open
	openOnce sync.Once
	kick     chan struct{}   // 1-buffered: the room's track set changed
	answers  chan rtc.Signal // 1-buffered
	stopOnce sync.Once
	stopCh   chan struct{}
	wg       sync.WaitGroup // run and the downTrack goroutines

	// Owned by the run goroutine.
	downs   map[*publishedTrack]*downTrack
	order   []*downTrack // as carried in the last offer
	offered bool

	mu       sync.Mutex
	dc       *webrtc.DataChannel
	awaiting bool // an offer is out, an answer is expected
}

func newSubscriber(r *room, o SubscribeOptions) (*subscriber, error) {
	pc, guard, err := r.env.subAPI.NewGuardedPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("subscriber peer connection: %w", err)
	}
	id := newID(subscriberPrefix)
	s := &subscriber{
		env: r.env, log: r.log.With("subscriber", id), room: r, id: id, name: o.Name,
		exclude: o.ExcludeParticipant, pc: pc, guard: guard, errLog: newLogLimiter(r.env.logEvery),
		opened: make(chan struct{}), kick: make(chan struct{}, 1), answers: make(chan rtc.Signal, 1),
		stopCh: make(chan struct{}), downs: map[*publishedTrack]*downTrack{},
	}
	s.watch = newPeerWatch(r.env, pc, s.stop)
	watchFlood(s.log, guard, s.stop)
	pc.OnDataChannel(s.onDataChannel)
	s.wg.Add(1)
	go s.run()
	return s, nil
}

// answer answers the subscriber's first offer.
func (s *subscriber) answer(ctx context.Context, offer string) (string, error) {
	return answerOffer(ctx, s.env, s.pc, offer, s.stopCh)
}

// trackSetChanged asks for a renegotiation; never blocks.
func (s *subscriber) trackSetChanged() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// stop asks run to tear the subscriber down; safe from any goroutine.
func (s *subscriber) stop(reason string) {
	s.stopOnce.Do(func() {
		s.log.Info("subscriber leaving", "reason", reason)
		close(s.stopCh)
	})
}

// Close tears the subscriber down and waits for its goroutines. Idempotent.
func (s *subscriber) Close() {
	s.stop("closed")
	s.wg.Wait()
}

// run negotiates once the signal channel opens, then again after each
// change of the track set, one negotiation at a time; then tears down.
func (s *subscriber) run() {
	defer s.wg.Done()
	defer s.teardown()
	select {
	case <-s.stopCh:
		return
	case <-s.opened:
	}
	for {
		if err := s.negotiate(); err != nil {
			s.stop(fmt.Sprintf("renegotiation failed: %v", err))
			return
		}
		select {
		case <-s.stopCh:
			return
		case <-s.kick:
		}
	}
}

func (s *subscriber) teardown() {
	s.stop("closed")
	s.watch.close()
	s.room.removeSubscriber(s)
	if err := s.pc.Close(); err != nil {
		s.log.Warn("close subscriber peer connection", "err", err)
	}
	for src, d := range s.downs {
		src.detach(d)
		d.close()
	}
	s.downs, s.order = nil, nil
	s.log.Debug("subscriber closed", "malformed_signals", s.malformed.Load())
}
