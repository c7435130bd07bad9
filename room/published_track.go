package room

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// publishedTrack is one track a publisher sends into the room. Its read
// loop hands every packet to the GOP cache and to each subscriber-track
// (downTrack) bound to it.
type publishedTrack struct {
	env      *env
	log      *slog.Logger
	id       string
	codec    media.Codec
	source   media.Source              // camera, screen or microphone: see PublishOptions
	capa     webrtc.RTPCodecCapability // as negotiated with the publisher
	owner    *participant
	remote   *webrtc.TrackRemote
	receiver *webrtc.RTPReceiver
	ssrc     uint32     // the publisher's SSRC, the target of PLIs
	pli      rtcpWriter // the publisher's PeerConnection
	clock    *trackClock
	isKey    func([]byte) bool
	errLog   *logLimiter

	badPackets atomic.Uint64 // read or parse errors, refused sender reports
	history    *history      // nil when the room keeps none

	mu      sync.Mutex
	cache   *gopCache
	downs   []packetSink // subscriber-tracks and local tracks, copy on write
	lastPLI int64        // unix nanos of the last keyframe request
	pliWait *time.Timer  // a request held back by the throttle, sent when it ends
	ended   bool
}

func newPublishedTrack(p *participant, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver, codec media.Codec) *publishedTrack {
	id := newID(trackPrefix)
	source := trackSource(codec.Kind(), p.screen, remote.ID())
	return &publishedTrack{
		env: p.env, log: p.log.With("track", id, "codec", string(codec), "source", string(source)),
		id: id, codec: codec, source: source, owner: p, remote: remote, receiver: receiver,
		ssrc: uint32(remote.SSRC()), capa: remote.Codec().RTPCodecCapability, pli: p.pc,
		clock:   newTrackClock(codec.ClockRate(), p.clockOffset),
		isKey:   keyframeDetector(codec),
		errLog:  newLogLimiter(p.env.logEvery),
		cache:   newGOPCache(codec.Kind() == media.KindVideo),
		history: newHistory(codec.Kind() == media.KindVideo, p.env.history, p.env.historyMaxBytes),
	}
}

func (t *publishedTrack) video() bool { return t.codec.Kind() == media.KindVideo }

func (t *publishedTrack) info() TrackInfo {
	return TrackInfo{ID: t.id, Kind: string(t.codec.Kind()), Codec: string(t.codec), Source: string(t.source)}
}

func (t *publishedTrack) signalInfo() rtc.TrackInfo {
	return rtc.TrackInfo{
		ID: t.id, Kind: string(t.codec.Kind()), Codec: string(t.codec),
		ParticipantID: t.owner.id, ParticipantName: t.owner.name, Source: string(t.source),
	}
}

// packetSink is where a published track forwards its packets: a WebRTC
// subscriber-track (downTrack) or an in-process one (localTrack). A
// localTrack only queues; a downTrack writes inline while its queue is
// empty and its writes are quick, and queues otherwise, so forward waits
// on a subscriber for one write at most (see downTrack.push).
type packetSink interface {
	seed(ps []fwdPacket) // the cache, when attached
	push(p fwdPacket)    // one forwarded packet
}

// forward caches the packet, keeps it in the history and hands it to
// every subscriber-track. The cache update and the snapshot of
// subscriber-tracks happen under one lock, so a subscriber-track attached
// concurrently gets the packet exactly once: from its seed or from the
// push. The history has a lock of its own.
func (t *publishedTrack) forward(p fwdPacket) {
	t.clock.onPacket(p.pkt.Timestamp, p.arrival)
	t.mu.Lock()
	t.cache.add(p)
	downs := t.downs
	t.mu.Unlock()
	t.history.add(p)
	for _, d := range downs {
		d.push(p)
	}
}

// attach binds a subscriber-track, seeding its queue with the cache. It
// fails once the track has ended.
func (t *publishedTrack) attach(d packetSink) bool {
	t.mu.Lock()
	if t.ended {
		t.mu.Unlock()
		return false
	}
	d.seed(t.cache.snapshot())
	t.downs = append(slices.Clip(t.downs), d)
	needKey := t.cache.needsKeyframe()
	t.mu.Unlock()
	if needKey {
		t.requestKeyframe()
	}
	return true
}

func (t *publishedTrack) detach(d packetSink) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.downs = slices.DeleteFunc(slices.Clone(t.downs), func(x packetSink) bool { return x == d })
}

// end marks the track ended: no more subscriber-tracks attach.
func (t *publishedTrack) end() {
	t.mu.Lock()
	t.ended = true
	t.cache.reset()
	t.history.reset()
	if t.pliWait != nil {
		t.pliWait.Stop()
		t.pliWait = nil
	}
	t.mu.Unlock()
}

func (t *publishedTrack) isEnded() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ended
}

// requestKeyframe sends a PLI to the publisher, at most one per throttle
// period (RFC 4585 section 6.3.1). A request inside the period is not
// dropped but held and sent once the period ends (one for all held):
// browsers send keyframes only when asked, so a request dropped while the
// answer to an earlier one was consumed before its asker was ready would
// leave that asker waiting for good.
func (t *publishedTrack) requestKeyframe() {
	if !t.video() {
		return
	}
	now := t.env.now()
	t.mu.Lock()
	if t.ended {
		t.mu.Unlock()
		return
	}
	if wait := t.lastPLI + int64(t.env.pliThrottle) - now.UnixNano(); t.lastPLI != 0 && wait > 0 {
		if t.pliWait == nil {
			t.pliWait = time.AfterFunc(time.Duration(wait), t.sendHeldKeyframe)
		}
		t.mu.Unlock()
		return
	}
	t.lastPLI = now.UnixNano()
	t.mu.Unlock()
	t.sendPLI(now)
}

// sendHeldKeyframe sends the request the throttle held back.
func (t *publishedTrack) sendHeldKeyframe() {
	now := t.env.now()
	t.mu.Lock()
	if t.ended || t.pliWait == nil {
		t.mu.Unlock()
		return
	}
	t.pliWait, t.lastPLI = nil, now.UnixNano()
	t.mu.Unlock()
	t.sendPLI(now)
}

func (t *publishedTrack) sendPLI(now time.Time) {
	pli := &rtcp.PictureLossIndication{MediaSSRC: t.ssrc}
	if err := t.pli.WriteRTCP([]rtcp.Packet{pli}); err != nil && !isClosedErr(err) {
		t.errLog.log(t.log, now, slog.LevelWarn, "send PLI to publisher", "err", err)
	}
}
