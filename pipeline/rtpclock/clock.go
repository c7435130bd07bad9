// Package rtpclock puts the RTP timestamps of a room's tracks on one
// clock: each Track maps its timestamps to the SFU's wall clock from RTCP
// sender reports (RFC 3550 section 6.4.1), or from packet arrival until
// the first report comes, and Common turns those instants into PTS from
// one epoch shared by all tracks. Guard drops the frames whose timestamps
// do not follow their arrival.
package rtpclock

import (
	"sync"
	"time"
)

// Common is the clock all tracks of one ingest share. Every track
// maps its RTP timestamps to the SFU's wall clock (from RTCP sender
// reports, RFC 3550 section 6.4.1); Common turns those instants into
// PTS relative to one epoch: the wall-clock time of the first unit any
// track emits, or the one SetEpoch gives. A track whose first frames are older than that (a cached
// keyframe) gets negative PTS. The zero Common is ready to use.
type Common struct {
	mu    sync.Mutex
	epoch time.Time
	set   bool
}

// SetEpoch makes t PTS 0, before any unit is timed: a job's ingest uses
// the job's start, so the media a room caches for new subscribers, from
// before it, gets negative PTS the job can tell apart. A Common already
// timing units keeps its epoch.
func (c *Common) SetEpoch(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		c.epoch, c.set = t, true
	}
}

// since returns t relative to the epoch, fixing the epoch at t on first use.
func (c *Common) since(t time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.set {
		c.epoch, c.set = t, true
	}
	return t.Sub(c.epoch)
}

// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP) to
// 1970-01-01 (Unix).
const ntpEpochOffset = 2208988800

// ntpTime converts a 64-bit NTP timestamp (32.32 fixed point seconds since
// 1900, RFC 5905 section 6) to a time.Time, to the nearest nanosecond.
func ntpTime(ntp uint64) time.Time {
	secs := int64(ntp>>32) - ntpEpochOffset
	nanos := ((ntp&0xffffffff)*uint64(time.Second) + 1<<31) >> 32
	return time.Unix(secs, int64(nanos))
}

// unwrapper extends 32-bit RTP timestamps to 64 bits. Each value is taken
// as the nearest one (within ±2^31) to the previous value, so it follows
// wraparound in both directions.
type unwrapper struct {
	last int64
	ok   bool
}

func (u *unwrapper) unwrap(ts uint32) int64 {
	u.last, u.ok = u.peek(ts), true
	return u.last
}

// peek returns what unwrap would, without taking ts as the previous value.
func (u *unwrapper) peek(ts uint32) int64 {
	if !u.ok {
		return int64(ts)
	}
	return u.last + int64(int32(ts-uint32(u.last)))
}

// rtpMapping anchors an extended RTP timestamp to a wall-clock instant.
type rtpMapping struct {
	at   time.Time
	ext  int64
	rate uint32
}

// time returns the wall-clock instant of an extended RTP timestamp:
// at + (ext − m.ext) / rate.
func (m rtpMapping) time(ext int64) time.Time {
	d, r := int64(m.rate), ext-m.ext
	return m.at.Add(time.Duration(r/d)*time.Second + time.Duration(r%d)*time.Second/time.Duration(d))
}

// clockSource says where a Track's mapping comes from.
type clockSource int

const (
	clockNone    clockSource = iota // no mapping yet: hold frames
	clockArrival                    // fallback: arrival time of the first packet
	clockSR                         // the latest RTCP sender report
)

// minPTSStep is how far a clamped PTS moves past the previous one.
const minPTSStep = time.Millisecond

// Track maps one track's RTP timestamps to PTS on the Common clock.
// It uses the latest sender report; before the first one it can be
// anchored on the arrival of the first packet instead (a fallback that is
// only as good as the network delay is constant). PTS never goes back: when
// a new mapping would move time backwards, the PTS is clamped to the
// previous PTS + minPTSStep until the mapping catches up.
type Track struct {
	rate    uint32
	unwrap  unwrapper
	ref     rtpMapping
	source  clockSource
	reports int // sender reports in the current mapping (see slew)
	last    time.Duration
	started bool
}

// NewTrack returns the clock of a track whose RTP clock rate is rate
// (Hz), with no mapping yet.
func NewTrack(rate uint32) *Track {
	return &Track{rate: rate}
}

// SenderReport takes an RTCP sender report's NTP and RTP times as the
// mapping from now on.
func (c *Track) SenderReport(ntp uint64, rtpTime uint32) {
	ext, at := c.unwrap.unwrap(rtpTime), ntpTime(ntp)
	if c.source == clockSR {
		at = c.slew(ext, at)
	} else {
		c.reports = 1
	}
	c.ref = rtpMapping{at: at, ext: ext, rate: c.rate}
	c.source = clockSR
}

// Sender reports jitter by a few milliseconds (senders extrapolate their
// RTP time from the last packet, and a loaded sender sends that packet
// late), so a new report only nudges the mapping by 1/n of its
// disagreement: the n-th report of a mapping, up to srSlew, and srSlew
// after that. The first srSlew reports are so averaged, and the first
// one's error is gone within seconds, where a fixed 1/srSlew carried it
// for a minute: the audio and the video of one participant, each off by
// its own first report, drifted apart by up to 16 ms over a job's first
// minute. After that the mapping keeps frames evenly spaced and PTS
// increasing while following slow clock drift. A disagreement beyond
// srStep is a real clock step and is taken at once.
const (
	srSlew = 16
	srStep = 500 * time.Millisecond
)

// slew returns the anchor time for ext: the current mapping's, moved
// towards the report's by 1/srSlew of the difference.
func (c *Track) slew(ext int64, reported time.Time) time.Time {
	predicted := c.ref.time(ext)
	diff := reported.Sub(predicted)
	if diff > srStep || diff < -srStep {
		c.reports = 1
		return reported
	}
	c.reports = min(c.reports+1, srSlew)
	return predicted.Add(diff / time.Duration(c.reports))
}

// Arrival anchors the mapping on a packet's arrival time. It does nothing
// once the track has a mapping.
func (c *Track) Arrival(at time.Time, rtpTime uint32) {
	if c.source != clockNone {
		return
	}
	c.ref = rtpMapping{at: at.Round(0), ext: c.unwrap.unwrap(rtpTime), rate: c.rate}
	c.source = clockArrival
}

// Rebase anchors the mapping on a frame's arrival after the track's
// timestamps jumped, forgetting the timestamps before; the next sender
// report takes over again.
func (c *Track) Rebase(at time.Time, rtpTime uint32) {
	c.unwrap = unwrapper{}
	c.ref = rtpMapping{at: at.Round(0), ext: c.unwrap.unwrap(rtpTime), rate: c.rate}
	c.source = clockArrival
}

// WallTime returns the wall-clock instant of an RTP timestamp by the
// current mapping, without taking it as the previous timestamp. Call it
// only once synced.
func (c *Track) WallTime(ts uint32) time.Time {
	return c.ref.time(c.unwrap.peek(ts))
}

// Synced reports whether the track has a mapping.
func (c *Track) Synced() bool { return c.source != clockNone }

// ByArrival reports whether the mapping comes from a packet's arrival
// (no sender report yet, or a rebase since the last one).
func (c *Track) ByArrival() bool { return c.source == clockArrival }

// PTS returns the PTS of an RTP timestamp on the common clock. Call it in
// RTP order, and only once synced.
func (c *Track) PTS(ts uint32, common *Common) time.Duration {
	p := common.since(c.ref.time(c.unwrap.unwrap(ts)))
	if c.started && p <= c.last {
		p = c.last + minPTSStep
	}
	c.last, c.started = p, true
	return p
}
