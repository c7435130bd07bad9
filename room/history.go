package room

import (
	"sort"
	"sync"
	"time"
)

// History defaults (Config.History, Config.HistoryMaxBytes).
const (
	DefaultHistory         = 20 * time.Second
	DefaultHistoryMaxBytes = 16 << 20
)

const (
	// historyEntryCost is what one kept packet costs beyond its RTP bytes:
	// the rtp.Packet and the ring's entry, roughly.
	historyEntryCost = 160
	// historyAudioLead starts a replay's audio this long before the time
	// asked for, so the first video frame has its sound.
	historyAudioLead = 100 * time.Millisecond
	// historyCompactMin is the fewest dropped entries worth moving the
	// live ones to the front of the ring's slice.
	historyCompactMin = 256
)

// histEntry is one kept packet.
type histEntry struct {
	fwdPacket
	start bool  // video: the first packet of a keyframe
	cost  int64 // its share of the byte bound
}

// history keeps the recent packets of one published track, so that a
// worker taking a recording over can fetch what the dead recorder missed:
// everything that arrived in the last window, for video back to the last
// keyframe at or before the window's start (so that a replay from any time
// inside the window starts decoding at a keyframe), all of it bounded by
// maxBytes (the oldest go first, keyframe or not). A nil *history keeps
// nothing. Safe for concurrent use.
type history struct {
	video    bool
	window   time.Duration
	maxBytes int64

	mu      sync.Mutex
	entries []histEntry // entries[head:] are kept, oldest first
	head    int
	base    uint64   // the position of entries[0]; positions only grow
	bytes   int64    // the cost of entries[head:]
	keys    []uint64 // keys[keyHead:]: positions of the kept keyframe starts
	keyHead int
	keyTS   uint32 // RTP timestamp of the last keyframe start
	keySeen bool
}

// newHistory returns the history of a track, nil (nothing kept) when the
// window is not positive.
func newHistory(video bool, window time.Duration, maxBytes int64) *history {
	if window <= 0 || maxBytes <= 0 {
		return nil
	}
	return &history{video: video, window: window, maxBytes: maxBytes}
}

// add keeps p, whose packet must not change afterwards (see fwdPacket),
// and drops what falls out of the bounds.
func (h *history) add(p fwdPacket) {
	if h == nil {
		return
	}
	e := histEntry{fwdPacket: p, cost: int64(p.pkt.MarshalSize()) + historyEntryCost}
	h.mu.Lock()
	defer h.mu.Unlock()
	// Later packets of the same keyframe (an H.264 IDR after its SPS) do
	// not start it again.
	if h.video && p.key && (!h.keySeen || p.pkt.Timestamp != h.keyTS) {
		e.start, h.keySeen, h.keyTS = true, true, p.pkt.Timestamp
		h.keys = append(h.keys, h.base+uint64(len(h.entries)))
	}
	h.entries = append(h.entries, e)
	h.bytes += e.cost
	h.trim(p.arrival)
}

// at returns the entry at position pos.
func (h *history) at(pos uint64) *histEntry { return &h.entries[pos-h.base] }

// trim drops the packets that fell out of the window at now, then the
// oldest while over the byte bound.
func (h *history) trim(now time.Time) {
	cutoff := now.Add(-h.window)
	if h.video {
		// The keyframe start that must stay is the newest at or before
		// the cutoff; older ones are no longer needed.
		for len(h.keys)-h.keyHead >= 2 && !h.at(h.keys[h.keyHead+1]).arrival.After(cutoff) {
			h.keyHead++
		}
		if h.keyHead < len(h.keys) && !h.at(h.keys[h.keyHead]).arrival.After(cutoff) {
			h.dropTo(int(h.keys[h.keyHead] - h.base))
		}
	}
	// Video with no keyframe at or before the cutoff keeps the window
	// only: what is older has no keyframe to start from.
	i := h.head
	for i < len(h.entries) && h.entries[i].arrival.Before(cutoff) && !h.entries[i].start {
		i++
	}
	h.dropTo(i)
	for h.head < len(h.entries) && h.bytes > h.maxBytes {
		h.dropTo(h.head + 1)
	}
	h.compact()
}

// dropTo drops the entries before index i.
func (h *history) dropTo(i int) {
	for ; h.head < i; h.head++ {
		h.bytes -= h.entries[h.head].cost
		h.entries[h.head] = histEntry{} // let the packet go
	}
	first := h.base + uint64(h.head)
	for h.keyHead < len(h.keys) && h.keys[h.keyHead] < first {
		h.keyHead++
	}
}

// compact moves the kept entries to the front once the dropped ones are
// the larger part, so trimming costs amortised O(1) a packet; a slice
// grown by a burst is given back once mostly empty.
func (h *history) compact() {
	if h.head >= historyCompactMin && h.head > len(h.entries)/2 {
		kept := h.entries[h.head:]
		if cap(h.entries) > 4*len(kept)+historyCompactMin {
			h.entries = append(make([]histEntry, 0, 2*len(kept)), kept...)
		} else {
			n := copy(h.entries, kept)
			clear(h.entries[n:])
			h.entries = h.entries[:n]
		}
		h.base += uint64(h.head)
		h.head = 0
	}
	if h.keyHead > 0 && h.keyHead >= len(h.keys)/2 {
		h.keys = append(h.keys[:0], h.keys[h.keyHead:]...)
		h.keyHead = 0
	}
}

// since returns a copy of the packets a replay from t needs, oldest first:
// for video from the last keyframe start at or before t (or the first kept
// keyframe when none is that old; nothing without a keyframe), for audio
// from historyAudioLead before t.
func (h *history) since(t time.Time) []fwdPacket {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	kept := h.entries[h.head:]
	var from int
	if h.video {
		keys := h.keys[h.keyHead:]
		if len(keys) == 0 {
			return nil
		}
		// keys[k-1] is the newest keyframe start at or before t.
		k := sort.Search(len(keys), func(i int) bool { return h.at(keys[i]).arrival.After(t) })
		from = int(keys[max(k-1, 0)]-h.base) - h.head
	} else {
		start := t.Add(-historyAudioLead)
		from = sort.Search(len(kept), func(i int) bool { return !kept[i].arrival.Before(start) })
	}
	out := make([]fwdPacket, len(kept)-from)
	for i := range out {
		out[i] = kept[from+i].fwdPacket
	}
	return out
}

// reset drops everything kept.
func (h *history) reset() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.base += uint64(len(h.entries))
	h.entries, h.head, h.bytes = nil, 0, 0
	h.keys, h.keyHead, h.keySeen = nil, 0, false
}
