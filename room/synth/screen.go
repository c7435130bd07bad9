package synth

import (
	"fmt"
	"sync/atomic"

	"github.com/pion/webrtc/v3"
)

// screenTrackID is the msid track id of the shared screen: the room takes
// a video track whose id starts with "screen" for a screen share.
const screenTrackID = "screen"

// screenShare is the second video track of a participant with Screen set.
type screenShare struct {
	track      *webrtc.TrackLocalStaticSample
	sender     *webrtc.RTPSender
	keyRequest atomic.Bool // set by a PLI or FIR on the screen track
}

// addScreen adds the screen track when cfg asks for one, in the camera's
// codec and stream.
func (p *peer) addScreen(cfg Config) error {
	if !cfg.Screen {
		return nil
	}
	track, err := webrtc.NewTrackLocalStaticSample(videoCapability(cfg.Codec), screenTrackID, streamID(cfg.Name))
	if err != nil {
		return fmt.Errorf("screen track: %w", err)
	}
	sender, err := p.addSendOnly(track)
	if err != nil {
		return fmt.Errorf("screen: %w", err)
	}
	p.screen = &screenShare{track: track, sender: sender}
	return nil
}

// screenPacer sends the screen clip at ScreenFPS, looped, keyframes on
// request as for the camera.
func (p *Publisher) screenPacer(s *screenShare, clip *videoClip) pacer {
	loop := newVideoLoop(clip, p.cfg.ScreenFPS, &s.keyRequest)
	return pacer{
		kind: screenTrackID, clock: 90000, next: loop.next, write: s.track.WriteSample, log: p.log,
		written: func(u unit) {
			p.stats.screenFrames.Add(1)
			if u.key {
				p.stats.screenKeyframes.Add(1)
			}
		},
	}
}
