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
// arrived. Reports and packets whose times jump are left out.
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
	jumpedSince time.Time // arrival of the first of the packets that jumped in a row
}

func newTrackClock(rate uint32, offset *clockOffset) *trackClock {
	return &trackClock{rate: rate, offset: offset}
}

// clockResync is how long packets must all have jumped timestamps before
// the clock takes them as the track's new timeline.
const clockResync = 3 * time.Second

// onPacket records a forwarded packet's timestamp and arrival time, unless
// the timestamp jumped: one packet with a wild timestamp must not move the
// track's timeline for every subscriber. Only when every packet has jumped
// for clockResync does the new timeline count.
func (c *trackClock) onPacket(ts uint32, arrival time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.havePacket && c.jumped(ts, arrival) {
		if c.jumpedSince.IsZero() {
			c.jumpedSince = arrival
		}
		if arrival.Sub(c.jumpedSince) < clockResync {
			return
		}
	}
	c.lastRTP, c.lastArrival, c.havePacket, c.jumpedSince = ts, arrival, true, time.Time{}
}

// jumped reports whether ts is more than maxClockJump away from the
// timestamp the last packet and the time since its arrival predict.
func (c *trackClock) jumped(ts uint32, arrival time.Time) bool {
	d := int64(int32(ts - (c.lastRTP + rtpTicks(arrival.Sub(c.lastArrival), c.rate))))
	limit := int64(maxClockJump/time.Second) * int64(c.rate)
	return d > limit || d < -limit
}

// onSenderReport records a publisher sender report received at arrival. It
// ignores, and reports false for, a report whose NTP time disagrees with
// the participant's clock offset: one bogus report must not move the
// track's timeline for every subscriber.
func (c *trackClock) onSenderReport(ntp uint64, rtpTime uint32, arrival time.Time) bool {
	at := fromNTP(ntp)
	if !c.offset.observe(arrival, at) {
		return false
	}
	c.mu.Lock()
	c.srNTP, c.srRTP, c.haveSR = at, rtpTime, true
	c.mu.Unlock()
	return true
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
