package room

import (
	"sync"
	"time"
)

// trackClock maps one published track's RTP timestamps to the SFU's wall
// clock, for the sender reports the room writes to subscribers.
//
// With a publisher sender report, RTP time srRTP happened at SFU time
// srNTP + offset (the participant's clockOffset). Before one, the mapping
// comes from packet arrival: the last forwarded timestamp happened when it
// arrived.
type trackClock struct {
	rate   uint32
	offset *clockOffset

	mu          sync.Mutex
	srNTP       time.Time // publisher clock
	srRTP       uint32
	haveSR      bool
	lastRTP     uint32
	lastArrival time.Time
	havePacket  bool
}

func newTrackClock(rate uint32, offset *clockOffset) *trackClock {
	return &trackClock{rate: rate, offset: offset}
}

// onPacket records a forwarded packet's timestamp and arrival time.
func (c *trackClock) onPacket(ts uint32, arrival time.Time) {
	c.mu.Lock()
	c.lastRTP, c.lastArrival, c.havePacket = ts, arrival, true
	c.mu.Unlock()
}

// onSenderReport records a publisher sender report received at arrival.
func (c *trackClock) onSenderReport(ntp uint64, rtpTime uint32, arrival time.Time) {
	at := fromNTP(ntp)
	c.offset.observe(arrival, at)
	c.mu.Lock()
	c.srNTP, c.srRTP, c.haveSR = at, rtpTime, true
	c.mu.Unlock()
}

// at returns the NTP time of now on the SFU clock and the RTP timestamp that
// corresponds to it; ok is false while nothing is known about the track.
func (c *trackClock) at(now time.Time) (ntp uint64, rtpTime uint32, ok bool) {
	off, haveOff := c.offset.get()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.haveSR && haveOff:
		ref := c.srNTP.Add(off)
		rtpTime = c.srRTP + rtpTicks(now.Sub(ref), c.rate)
	case c.havePacket:
		rtpTime = c.lastRTP + rtpTicks(now.Sub(c.lastArrival), c.rate)
	default:
		return 0, 0, false
	}
	return toNTP(now), rtpTime, true
}
