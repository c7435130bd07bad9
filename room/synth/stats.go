package synth

import (
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of a Publisher's counters.
type Stats struct {
	ParticipantID string // last path element of the WHIP Location
	// VideoFrames, AudioFrames and Keyframes count access units and Opus
	// packets actually written to the tracks.
	VideoFrames, AudioFrames, Keyframes uint64
	PLIs, NACKs                         uint64 // RTCP feedback received (a FIR counts as a PLI)
	Connected                           bool

	// SilentAudioFrames counts the packets of AudioFrames that were
	// silence: those outside the Config.Speak spans.
	SilentAudioFrames uint64

	// ScreenFrames and ScreenKeyframes count the access units written to
	// the screen track (Config.Screen).
	ScreenFrames, ScreenKeyframes uint64
}

// counters are the live, concurrently updated form of Stats.
type counters struct {
	videoFrames, audioFrames, keyframes atomic.Uint64
	plis, nacks                         atomic.Uint64
	connected                           atomic.Bool

	silentAudioFrames, screenFrames, screenKeyframes atomic.Uint64

	mu            sync.Mutex
	participantID string
}

func (c *counters) setParticipantID(id string) {
	c.mu.Lock()
	c.participantID = id
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	id := c.participantID
	c.mu.Unlock()
	return Stats{
		ParticipantID: id,
		VideoFrames:   c.videoFrames.Load(),
		AudioFrames:   c.audioFrames.Load(),
		Keyframes:     c.keyframes.Load(),
		PLIs:          c.plis.Load(),
		NACKs:         c.nacks.Load(),
		Connected:     c.connected.Load(),

		SilentAudioFrames: c.silentAudioFrames.Load(),
		ScreenFrames:      c.screenFrames.Load(),
		ScreenKeyframes:   c.screenKeyframes.Load(),
	}
}
