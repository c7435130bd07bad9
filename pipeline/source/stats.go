package source

import (
	"sync/atomic"

	"github.com/roomcast/roomcast/pipeline/jitter"
	"github.com/roomcast/roomcast/pipeline/media"
)

// TrackStats are the counters of one track, ended or not.
type TrackStats struct {
	Track media.Track
	// Packets is the number of RTP packets read, retransmissions included.
	Packets uint64
	// Lost, Recovered, Duplicates and Late come from the jitter buffer:
	// packets given up on, packets that arrived (by NACK retransmission)
	// while a hole was waiting, and packets dropped as already seen or
	// arriving after their slot was released.
	Lost, Recovered, Duplicates, Late uint64
	// Malformed counts packets the depacketizer (or RTP parser) rejected.
	Malformed uint64
	// Frames and Keyframes count the units delivered to the Handler.
	Frames, Keyframes uint64
	// DroppedFrames counts video frames dropped while waiting for a
	// keyframe after a loss.
	DroppedFrames uint64
	// BadTimestamps counts frames dropped because their timestamp jumped:
	// it maps more than 10 s away from where the arrival of the frames
	// before puts it (a wild timestamp, or a bogus sender report). After
	// 3 s of nothing else the new timestamps are taken as they come.
	BadTimestamps uint64
	// PLIsSent counts the picture loss indications sent to the publisher.
	PLIsSent uint64
	// Active is false once the track has had TrackRemoved.
	Active bool
}

// trackCounters are the live counters behind a TrackStats. The track's
// goroutine writes them; Stats reads them from any goroutine.
type trackCounters struct {
	packets, lost, recovered, duplicates, late atomic.Uint64
	malformed                                  atomic.Uint64
	frames, keyframes, dropped, plis           atomic.Uint64
	badTimestamps                              atomic.Uint64
	active                                     atomic.Bool
}

// setJitter copies the jitter buffer's counters.
func (c *trackCounters) setJitter(s jitter.Stats) {
	c.lost.Store(s.Lost)
	c.recovered.Store(s.Recovered)
	c.duplicates.Store(s.Duplicates)
	c.late.Store(s.Late)
}

func (c *trackCounters) snapshot(t media.Track) TrackStats {
	return TrackStats{
		Track:         t,
		Packets:       c.packets.Load(),
		Lost:          c.lost.Load(),
		Recovered:     c.recovered.Load(),
		Duplicates:    c.duplicates.Load(),
		Late:          c.late.Load(),
		Malformed:     c.malformed.Load(),
		Frames:        c.frames.Load(),
		Keyframes:     c.keyframes.Load(),
		DroppedFrames: c.dropped.Load(),
		BadTimestamps: c.badTimestamps.Load(),
		PLIsSent:      c.plis.Load(),
		Active:        c.active.Load(),
	}
}
