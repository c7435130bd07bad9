package room

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// negotiate brings the subscriber's PeerConnection up to date with the
// room's track set: AddTrack/RemoveTrack, then an offer over the signal
// channel, whose answer activates the new subscriber-tracks. The first call
// always sends an offer, even without tracks, so the subscriber learns the
// (empty) track list.
func (s *subscriber) negotiate() error {
	changed, err := s.syncTracks()
	if err != nil {
		return err
	}
	if !changed && s.offered {
		return nil
	}
	offer, err := s.createOffer()
	if err != nil {
		return err
	}
	answer, err := s.exchange(offer)
	if err != nil {
		return err
	}
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}); err != nil {
		return fmt.Errorf("apply answer: %w", err)
	}
	s.offered = true
	for _, d := range s.order {
		d.markActive()
	}
	s.log.Debug("renegotiated", "tracks", len(s.order))
	return nil
}

// syncTracks adds a subscriber-track for each room track not yet carried
// and removes those whose track is gone; it reports whether anything
// changed.
func (s *subscriber) syncTracks() (bool, error) {
	want := s.room.tracksFor(s.exclude)
	wanted := make(map[*publishedTrack]bool, len(want))
	for _, t := range want {
		wanted[t] = true
	}
	changed := false
	for src, d := range s.downs {
		if !wanted[src] || src.isEnded() {
			s.removeDown(d)
			changed = true
		}
	}
	order := make([]*downTrack, 0, len(want))
	for _, t := range want {
		d, ok := s.downs[t]
		if !ok {
			var err error
			if d, err = s.addDown(t); err != nil {
				return changed, err
			}
			changed = changed || d != nil
		}
		if d != nil {
			order = append(order, d)
		}
	}
	s.order = order
	return changed, nil
}

// addDown adds a pending subscriber-track for t; nil if t has just ended.
func (s *subscriber) addDown(t *publishedTrack) (*downTrack, error) {
	d, err := newDownTrack(t, s.pc, s.log)
	if err != nil {
		return nil, err
	}
	sender, err := s.pc.AddTrack(d.local)
	if err != nil {
		return nil, fmt.Errorf("add track %s: %w", t.id, err)
	}
	d.bind(sender)
	if !t.attach(d) {
		if err := s.pc.RemoveTrack(sender); err != nil {
			return nil, fmt.Errorf("remove ended track %s: %w", t.id, err)
		}
		return nil, nil
	}
	s.downs[t] = d
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		d.run()
	}()
	go func() {
		defer s.wg.Done()
		d.readRTCP()
	}()
	return d, nil
}

func (s *subscriber) removeDown(d *downTrack) {
	d.src.detach(d)
	d.close()
	delete(s.downs, d.src)
	if err := s.pc.RemoveTrack(d.sender); err != nil {
		s.log.Warn("remove track", "track", d.src.id, "err", err)
	}
}

// createOffer creates and applies an offer and returns it with the list of
// carried tracks, once ICE gathering is complete.
func (s *subscriber) createOffer() (rtc.Signal, error) {
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return rtc.Signal{}, fmt.Errorf("create offer: %w", err)
	}
	sdp, err := setLocalAndGather(context.Background(), s.env, s.pc, offer, s.stopCh)
	if err != nil {
		return rtc.Signal{}, err
	}
	sig := rtc.Signal{Type: rtc.SignalOffer, SDP: sdp, Tracks: make([]rtc.TrackInfo, 0, len(s.order))}
	for _, d := range s.order {
		sig.Tracks = append(sig.Tracks, d.src.signalInfo())
	}
	return sig, nil
}

// exchange sends the offer and waits for the answer, at most the answer
// timeout.
func (s *subscriber) exchange(offer rtc.Signal) (rtc.Signal, error) {
	s.expectAnswer(true)
	defer s.expectAnswer(false)
	if err := s.send(offer); err != nil {
		return rtc.Signal{}, err
	}
	t := time.NewTimer(s.env.answerTimeout)
	defer t.Stop()
	select {
	case a := <-s.answers:
		return a, nil
	case <-t.C:
		return rtc.Signal{}, fmt.Errorf("no answer within %s", s.env.answerTimeout)
	case <-s.stopCh:
		return rtc.Signal{}, errSessionClosed
	}
}
