package source

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// LocalRoom is the rooms of one tenant served by this very process, which
// an Ingest reads without a WebRTC loop (Config.Local): no SRTP, DTLS, ICE
// or UDP between the room and the job. The room package implements it
// (room.Scope).
type LocalRoom interface {
	// SubscribeLocal subscribes to the named room. It returns an error
	// wrapping ErrRoomNotFound when there is no such room.
	SubscribeLocal(room, name string) (LocalSubscription, error)
}

// LocalSubscription is an in-process subscription to every track of a
// room. Its methods are safe for concurrent use.
type LocalSubscription interface {
	// Tracks brings the subscription up to date with the room and returns
	// its tracks now. A track it no longer returns is closed: its reads
	// give io.EOF once its queue is drained.
	Tracks() []LocalTrack
	// Changed has a value whenever the room's track set changed since the
	// last Tracks.
	Changed() <-chan struct{}
	// Done is closed when the room is deleted (or the process's rooms
	// close); every track is closed then.
	Done() <-chan struct{}
	// Close ends the subscription and closes its tracks. Idempotent.
	Close()
}

// LocalTrack is one track of a LocalSubscription. It is the rtpReader and
// the rtcpReader of a trackReader; each of the two reads is called from
// one goroutine at a time.
type LocalTrack interface {
	// Info describes the track: id, kind, codec, participant, source.
	Info() rtc.TrackInfo
	// ClockRate is the RTP clock rate of the track's codec.
	ClockRate() uint32
	// SSRC is the SSRC of the packets and of the sender reports.
	SSRC() uint32
	// ReadRTP returns the room's next packet of the track, blocking until
	// there is one; io.EOF once the track is closed and drained. The packet
	// is shared with the room's other subscribers: read it, never modify it.
	ReadRTP() (*rtp.Packet, interceptor.Attributes, error)
	// ReadRTCP returns the track's next sender report, which maps its RTP
	// time to the room's wall clock as the room's reports to its WebRTC
	// subscribers do; io.EOF once the track is closed.
	ReadRTCP() ([]rtcp.Packet, interceptor.Attributes, error)
	// RequestKeyframe asks the publisher for a keyframe (throttled by the
	// room).
	RequestKeyframe()
}
