package jitter

import "time"

// Adaptive hold defaults.
const (
	// DefaultFloor is the shortest hold of an adaptive Buffer.
	DefaultFloor = 20 * time.Millisecond
	// jitterHoldMargin is added to the measured time a hole takes to
	// fill: scheduling noise and the spread of the next retransmission.
	jitterHoldMargin = 20 * time.Millisecond
	// jitterHoldDecay is the fraction of the excess over a lower target
	// that one filled hole takes off the hold (1/32): the hold goes up at
	// once and down slowly (at 2 % loss of 30 fps 720p video, a hole every
	// 0.2 s or so, the excess halves in about 4 s), so that it stays
	// above the slow tail of retransmissions, not their typical time.
	jitterHoldDecay = 32
)

// jitterHold is the wait of an adaptive Buffer for a missing
// packet. It follows how long holes take to fill: a packet that fills a
// hole (reordered, or resent after a NACK) waited the reordering depth or
// the round trip its NACK needed, in time; so did a packet that arrives
// just after its hole was given up on. The hold is twice that time and a
// margin, at least floor (and RTT·1.5 + margin once an RTT is known), at
// most max: twice, because a retransmission that is itself lost is sent
// again only after another round trip, and giving that one up costs the
// rest of the GOP (pipeline/source's TestIngestRecoversOverLongRTT lost
// one in eight runs with a quarter more instead). Until a first hole has filled or been
// given up on it is max: with no hole it costs nothing, and the first
// retransmission is not given up on before anything is known. A hole
// given up on that nothing came back for, twice in a row (a codec
// without NACK, a burst too long), halves the hold: waiting for packets
// that do not come only delays the rest.
type jitterHold struct {
	floor, max time.Duration
	rtt        time.Duration // 0 while unknown
	cur        time.Duration
	learned    bool // a hole has filled or been given up on
	unanswered bool // the last hole given up on has had no late packet yet
}

func newJitterHold(floor, ceiling time.Duration) *jitterHold {
	floor = min(max(floor, 0), ceiling)
	return &jitterHold{floor: floor, max: ceiling, cur: ceiling}
}

// NewForTrack returns the adaptive jitter buffer of a track of kind
// video (true) or audio, waiting at most maxLatency: the ingest's policy
// (pipeline/source), kept here because it sets where the hold starts.
// Only video has NACK feedback (rtc.Codecs): an audio hole fills only by
// reordering, so its hold starts at the floor instead of the maximum.
func NewForTrack(video bool, maxLatency time.Duration, capacity int) *Buffer {
	j := NewAdaptive(maxLatency, 0, capacity)
	if !video {
		j.adapt.cur, j.adapt.learned = j.adapt.floor, true
	}
	return j
}

// lower is the least the hold may be.
func (h *jitterHold) lower() time.Duration {
	lo := h.floor
	if h.rtt > 0 {
		lo = max(lo, h.rtt+h.rtt/2+jitterHoldMargin)
	}
	return min(lo, h.max)
}

func (h *jitterHold) clamp(d time.Duration) time.Duration {
	return min(max(d, h.lower()), h.max)
}

// hold returns the current wait for a missing packet.
func (h *jitterHold) hold() time.Duration { return h.clamp(h.cur) }

// filled records that a hole filled after wait (or its packet came wait
// after the hole began, too late).
func (h *jitterHold) filled(wait time.Duration) {
	target := h.clamp(2*wait + jitterHoldMargin)
	switch {
	case !h.learned || target >= h.cur:
		h.cur = target
	default:
		h.cur -= (h.cur - target) / jitterHoldDecay
	}
	h.learned, h.unanswered = true, false
}

// skipped records that a hole was given up on.
func (h *jitterHold) skipped() {
	if h.unanswered || !h.learned {
		h.cur = h.clamp(h.cur / 2)
	}
	h.learned, h.unanswered = true, true
}

// setRTT sets the round trip time to the sender (0: unknown).
func (h *jitterHold) setRTT(rtt time.Duration) { h.rtt = max(rtt, 0) }
