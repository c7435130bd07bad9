package room

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// participant is one WHIP publisher: a receive-only PeerConnection whose
// tracks become the room's published tracks. It leaves the room when its
// connection fails or closes, or on Unpublish.
type participant struct {
	env         *env
	log         *slog.Logger
	room        *room
	id, name    string
	screen      bool // a screen-share session: its video tracks are screens
	pc          *webrtc.PeerConnection
	guard       *rtc.StreamGuard // its SSRC read streams
	watch       *peerWatch
	clockOffset *clockOffset

	stopOnce sync.Once
	stopCh   chan struct{}
	wg       sync.WaitGroup // run and the track loops

	mu     sync.Mutex
	tracks []*publishedTrack
	closed bool
}

func newParticipant(r *room, o PublishOptions) (*participant, error) {
	pc, guard, err := r.env.pubAPI.NewGuardedPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("publisher peer connection: %w", err)
	}
	id := newID(participantPrefix)
	p := &participant{
		env: r.env, log: r.log.With("participant", id), room: r, id: id, name: o.Name,
		screen: o.Screen, pc: pc, guard: guard, clockOffset: &clockOffset{}, stopCh: make(chan struct{}),
	}
	p.watch = newPeerWatch(r.env, pc, p.stop)
	watchFlood(p.log, guard, p.stop)
	pc.OnTrack(p.onTrack)
	p.wg.Add(1)
	go p.run()
	return p, nil
}

// negotiate answers the WHIP offer.
func (p *participant) negotiate(ctx context.Context, offer string) (string, error) {
	return answerOffer(ctx, p.env, p.pc, offer, p.stopCh)
}

// onTrack runs on a pion goroutine for each track the publisher sends.
func (p *participant) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	codec, err := media.ParseCodec(remote.Codec().MimeType)
	if err != nil {
		p.log.Warn("ignoring track", "err", err)
		return
	}
	t := newPublishedTrack(p, remote, receiver, codec)
	if !p.addTrack(t) {
		return
	}
	p.log.Info("track published", "track", t.id, "codec", string(codec), "source", string(t.source),
		"msid_track", remote.ID(), "ssrc", uint32(remote.SSRC()))
	go func() {
		defer p.wg.Done()
		t.readRTCP()
	}()
	go func() {
		defer p.wg.Done()
		t.readRTP()
		p.trackEnded(t)
	}()
	p.room.tracksChanged()
}

// addTrack registers the track and its two loops, unless the participant
// is closing.
func (p *participant) addTrack(t *publishedTrack) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.tracks = append(p.tracks, t)
	p.wg.Add(2)
	return true
}

func (p *participant) trackEnded(t *publishedTrack) {
	t.end()
	p.mu.Lock()
	closed := p.closed
	p.tracks = slices.DeleteFunc(p.tracks, func(x *publishedTrack) bool { return x == t })
	p.mu.Unlock()
	if !closed {
		p.log.Info("track ended", "track", t.id)
		p.room.tracksChanged()
	}
}

// trackList returns the live tracks in arrival order.
func (p *participant) trackList() []*publishedTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.tracks)
}

func (p *participant) info() ParticipantInfo {
	ts := p.trackList()
	info := ParticipantInfo{ID: p.id, Name: p.name, Tracks: make([]TrackInfo, 0, len(ts))}
	for _, t := range ts {
		info.Tracks = append(info.Tracks, t.info())
	}
	return info
}

// stop asks run to tear the participant down; safe from any goroutine,
// including pion callbacks.
func (p *participant) stop(reason string) {
	p.stopOnce.Do(func() {
		p.log.Info("participant leaving", "reason", reason)
		close(p.stopCh)
	})
}

// Close tears the participant down and waits for its goroutines.
// Idempotent.
func (p *participant) Close() {
	p.stop("closed")
	p.wg.Wait()
}

func (p *participant) run() {
	defer p.wg.Done()
	<-p.stopCh
	p.watch.close()
	p.mu.Lock()
	p.closed = true
	tracks := p.tracks
	p.tracks = nil
	p.mu.Unlock()
	for _, t := range tracks {
		t.end()
	}
	p.room.removeParticipant(p)
	if err := p.pc.Close(); err != nil {
		p.log.Warn("close publisher peer connection", "err", err)
	}
}
