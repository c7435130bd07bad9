package room

import "time"

// Cache bounds: video keeps the packets since the last keyframe for at most
// 3 s or 1500 packets, audio the same span, so a subscriber that starts at
// the cached keyframe also gets the audio that goes with it, and a slow
// renegotiation on a loaded machine loses no audio at the start.
const (
	videoCacheAge     = 3 * time.Second
	audioCacheAge     = videoCacheAge
	cacheMaxPackets   = 1500
	pendingQueueLimit = 2000 // above cacheMaxPackets, so a full cache fits a new queue
)

// gopCache keeps the recent packets of one published track so that a new
// subscriber-track starts with them: for video everything since the last
// keyframe, for audio the last audioCacheAge. Not safe for concurrent use.
type gopCache struct {
	video   bool
	maxAge  time.Duration
	entries []fwdPacket
	valid   bool   // video: entries start at a keyframe
	keyTS   uint32 // video: timestamp of that keyframe
	seen    bool   // a packet was ever added
}

func newGOPCache(video bool) *gopCache {
	if video {
		return &gopCache{video: true, maxAge: videoCacheAge}
	}
	return &gopCache{maxAge: audioCacheAge}
}

func (c *gopCache) add(p fwdPacket) {
	c.seen = true
	if c.video {
		c.addVideo(p)
		return
	}
	c.entries = append(c.entries, p)
	c.trimAudio(p.arrival)
}

// addVideo restarts the cache at the first packet of each keyframe. Later
// packets of the same frame (an H.264 IDR after its SPS) do not restart it.
// A GOP longer than the bounds empties the cache until the next keyframe.
func (c *gopCache) addVideo(p fwdPacket) {
	if p.key && (!c.valid || p.pkt.Timestamp != c.keyTS) {
		c.reset()
		c.valid, c.keyTS = true, p.pkt.Timestamp
	}
	if !c.valid {
		return
	}
	c.entries = append(c.entries, p)
	if len(c.entries) > cacheMaxPackets || p.arrival.Sub(c.entries[0].arrival) > c.maxAge {
		c.reset()
	}
}

func (c *gopCache) trimAudio(now time.Time) {
	i := 0
	for i < len(c.entries) && (len(c.entries)-i > cacheMaxPackets || now.Sub(c.entries[i].arrival) > c.maxAge) {
		i++
	}
	clear(c.entries[:i])
	c.entries = c.entries[i:]
}

func (c *gopCache) reset() {
	clear(c.entries)
	c.entries = c.entries[:0]
	c.valid = false
}

// snapshot returns a copy of the cached packets, oldest first.
func (c *gopCache) snapshot() []fwdPacket {
	return append([]fwdPacket(nil), c.entries...)
}

// needsKeyframe reports whether a new subscriber-track seeded from the
// cache would wait for the next keyframe: the video track has started but
// the cache holds no keyframe (a GOP longer than the bounds).
func (c *gopCache) needsKeyframe() bool {
	return c.video && c.seen && !c.valid
}
