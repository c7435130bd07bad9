package source

import (
	"context"
	"fmt"

	"github.com/pion/rtcp"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// runLocal is Run for a room in this process (Config.Local): the room's
// packets come straight from its forwarding path, its sender reports from
// its clock, and PLIs go straight to the publisher. The trackReaders, the
// jitter buffers and the common clock are the same as over WebRTC.
func (in *Ingest) runLocal(ctx context.Context) error {
	sub, err := in.cfg.Local.SubscribeLocal(in.cfg.Room, in.cfg.Name)
	if err != nil {
		return fmt.Errorf("room %q: subscribe in process: %w", in.cfg.Room, err)
	}
	tracksCtx, cancel := context.WithCancel(ctx)
	in.mu.Lock()
	in.ctx = tracksCtx
	in.mu.Unlock()
	defer in.endLocal(sub, cancel)
	in.log.Info("subscribed in process")
	for {
		in.syncLocal(sub.Tracks())
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			return fmt.Errorf("room %q: %w: the room was deleted", in.cfg.Room, ErrSubscriptionEnded)
		case <-sub.Changed():
		}
	}
}

// endLocal stops every track, ends the subscription (which closes the
// tracks, so blocked reads return) and waits for every goroutine.
func (in *Ingest) endLocal(sub LocalSubscription, cancel context.CancelFunc) {
	in.mu.Lock()
	in.ctx = nil
	in.mu.Unlock()
	cancel()
	sub.Close()
	in.wg.Wait()
	in.log.Info("unsubscribed")
}

// syncLocal starts a reader for each new track and lets the readers of
// tracks that are gone finish what they hold.
func (in *Ingest) syncLocal(tracks []LocalTrack) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ctx == nil {
		return
	}
	now := make(map[string]bool, len(tracks))
	for _, lt := range tracks {
		now[lt.Info().ID] = true
	}
	known := make(map[string]bool, len(in.tracks))
	for _, h := range in.tracks {
		known[h.track.ID] = true
		if !now[h.track.ID] {
			h.leave()
		}
	}
	for _, lt := range tracks {
		if !known[lt.Info().ID] { // a room's track ids are never reused
			in.addLocalTrack(lt)
		}
	}
}

// addLocalTrack starts a reader for a local track. Call it with in.mu held.
func (in *Ingest) addLocalTrack(lt LocalTrack) {
	t, err := infoTrack(lt.Info(), lt.ClockRate())
	if err != nil {
		in.log.Warn("ignoring local track", "track", lt.Info().ID, "err", err)
		return
	}
	log := in.log.With("track", t.ID, "kind", t.Kind, "codec", t.Codec, "participant", t.ParticipantID)
	env := in.readerEnv(log)
	env.writeRTCP = keyframeWriter(func() error { lt.RequestKeyframe(); return nil })
	r, err := newTrackReader(t, lt.SSRC(), lt, lt, env)
	if err != nil {
		log.Error("cannot read track", "err", err)
		return
	}
	pli := func() {
		lt.RequestKeyframe()
		r.stats.plis.Add(1)
	}
	in.startReader(r, pli, log)
}

// keyframeWriter is a trackReader's writeRTCP for a track read without
// WebRTC (in process, or over a relay): the readers only send PLIs (or
// FIRs), each of which becomes one call of request.
func keyframeWriter(request func() error) func([]rtcp.Packet) error {
	return func(pkts []rtcp.Packet) error {
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				return request()
			}
		}
		return nil
	}
}

// infoTrack describes a track read without WebRTC, from what the room
// announced of it, as mediaTrack describes a remote one.
func infoTrack(info rtc.TrackInfo, clockRate uint32) (media.Track, error) {
	codec, err := media.ParseCodec(info.Codec)
	if err != nil {
		return media.Track{}, err
	}
	t := media.Track{
		ID: info.ID, Kind: codec.Kind(), Codec: codec, ClockRate: clockRate,
		ParticipantID: info.ParticipantID, ParticipantName: info.ParticipantName,
		Source: media.Source(info.Source),
	}
	if t.ClockRate == 0 {
		t.ClockRate = codec.ClockRate()
	}
	t.Source = trackSource(t.Kind, t.Source)
	return t, nil
}

// trackSource is a track's Source from the announced one: "screen" for a
// shared screen; none, or an unknown one, gives camera for video and
// microphone for audio.
func trackSource(kind media.Kind, announced media.Source) media.Source {
	switch {
	case kind == media.KindAudio:
		return media.SourceMicrophone
	case announced != media.SourceScreen:
		return media.SourceCamera
	}
	return announced
}
