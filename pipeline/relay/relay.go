// Package relay is the wire format of a room relay connection: a remote
// worker's subscription to every track of a room over one TCP (or TLS)
// connection to the room server, instead of a WebRTC PeerConnection.
//
// A WebRTC subscription costs the worker a chain of goroutine hand-offs
// per packet (ICE read, DTLS/SRTP demux, SRTP decrypt, the track's read)
// and the server one SRTP encryption and one UDP write per packet per
// subscriber. Between two roomcast processes that is all overhead: a relay
// connection carries the room's packets as they are, many to one write
// and one read, and its reader takes each packet to its track's jitter
// buffer in the goroutine that read it. The room's loss recovery (NACK)
// is not needed on it: TCP does not lose, and a worker that falls behind
// has its queues dropped up to the next keyframe by the server, as a slow
// WebRTC subscriber does.
//
// The connection starts as an HTTP/1.1 request that upgrades
// (Upgrade: Protocol) and then carries frames both ways. A frame is a
// one-byte type, a four-byte big-endian payload length, and the payload;
// every integer is big-endian. The server sends TrackAdd, RTP,
// SenderReport, TrackRemove, Ping and Bye; the client sends
// KeyframeRequest and Ping.
package relay

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// Protocol is the Upgrade token of a relay connection.
const Protocol = "roomcast-relay/1"

// Type is a frame's type.
type Type uint8

// Frame types.
const (
	// TypeTrackAdd announces a track: id, clock rate, SSRC (each 4
	// bytes), then the track's rtc.TrackInfo as JSON.
	TypeTrackAdd Type = 1
	// TypeTrackRemove ends a track: id. Its packets sent before it are
	// the last.
	TypeTrackRemove Type = 2
	// TypeRTP is one RTP packet of a track: id, then the packet.
	TypeRTP Type = 3
	// TypeSenderReport maps a track's RTP time to the room's wall clock
	// as an RTCP sender report does: id, NTP time (8 bytes), RTP time.
	TypeSenderReport Type = 4
	// TypeBye ends the connection: the server's reason, as text.
	TypeBye Type = 5
	// TypePing keeps an idle connection alive, both ways; no payload.
	TypePing Type = 6
	// TypeKeyframeRequest asks for a keyframe of a video track: id.
	TypeKeyframeRequest Type = 16
)

// Limits.
const (
	// HeaderSize is the size of a frame's header.
	HeaderSize = 5
	// MaxPayload bounds a frame's payload: far above an RTP packet or a
	// track's description, far below what a reader would regret holding.
	MaxPayload = 64 << 10
)

// Errors.
var (
	// ErrMalformed is a frame whose payload does not parse as its type.
	ErrMalformed = errors.New("malformed relay frame")
	// ErrTooLarge is a frame whose payload exceeds MaxPayload.
	ErrTooLarge = errors.New("relay frame too large")
)

// Frame is one frame read. Its Payload is only valid until the next read.
type Frame struct {
	Type    Type
	Payload []byte
}

// Reader reads frames from a byte stream.
type Reader struct {
	r   io.Reader
	hdr [HeaderSize]byte
	buf []byte
}

// NewReader reads frames from r; a *bufio.Reader batches its reads.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Next reads the next frame. It returns io.EOF at a clean end between
// frames, io.ErrUnexpectedEOF inside one, ErrTooLarge for a frame over
// MaxPayload (the stream cannot be read on after it).
func (r *Reader) Next() (Frame, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(r.hdr[1:])
	if n > MaxPayload {
		return Frame{}, fmt.Errorf("%w: type %d, %d bytes (at most %d)", ErrTooLarge, r.hdr[0], n, MaxPayload)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n, max(n, 2048))
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return Frame{Type: Type(r.hdr[0]), Payload: r.buf}, nil
}

// appendHeader appends a frame header for a payload of n bytes.
func appendHeader(b []byte, t Type, n int) []byte {
	return binary.BigEndian.AppendUint32(append(b, byte(t)), uint32(n))
}

// AppendID appends a frame whose payload is a track id alone
// (TypeTrackRemove, TypeKeyframeRequest).
func AppendID(b []byte, t Type, id uint32) []byte {
	return binary.BigEndian.AppendUint32(appendHeader(b, t, 4), id)
}

// AppendEmpty appends a frame with no payload (TypePing).
func AppendEmpty(b []byte, t Type) []byte { return appendHeader(b, t, 0) }

// AppendBye appends a Bye frame with a reason, cut to MaxPayload.
func AppendBye(b []byte, reason string) []byte {
	if len(reason) > MaxPayload {
		reason = reason[:MaxPayload]
	}
	return append(appendHeader(b, TypeBye, len(reason)), reason...)
}

// Track is what a TrackAdd frame announces.
type Track struct {
	ID        uint32
	ClockRate uint32
	SSRC      uint32
	Info      rtc.TrackInfo
}

// AppendTrackAdd appends a TrackAdd frame.
func AppendTrackAdd(b []byte, t Track) ([]byte, error) {
	info, err := json.Marshal(t.Info)
	if err != nil {
		return b, fmt.Errorf("track %d: %w", t.ID, err)
	}
	if 12+len(info) > MaxPayload {
		return b, fmt.Errorf("track %d: %w: description of %d bytes", t.ID, ErrTooLarge, len(info))
	}
	b = appendHeader(b, TypeTrackAdd, 12+len(info))
	b = binary.BigEndian.AppendUint32(b, t.ID)
	b = binary.BigEndian.AppendUint32(b, t.ClockRate)
	b = binary.BigEndian.AppendUint32(b, t.SSRC)
	return append(b, info...), nil
}

// ParseTrackAdd parses a TrackAdd payload.
func ParseTrackAdd(p []byte) (Track, error) {
	if len(p) < 12 {
		return Track{}, fmt.Errorf("%w: track add of %d bytes", ErrMalformed, len(p))
	}
	t := Track{
		ID:        binary.BigEndian.Uint32(p),
		ClockRate: binary.BigEndian.Uint32(p[4:]),
		SSRC:      binary.BigEndian.Uint32(p[8:]),
	}
	if err := json.Unmarshal(p[12:], &t.Info); err != nil {
		return Track{}, fmt.Errorf("%w: track %d: description: %w", ErrMalformed, t.ID, err)
	}
	return t, nil
}

// ParseID parses a payload that is a track id alone.
func ParseID(p []byte) (uint32, error) {
	if len(p) != 4 {
		return 0, fmt.Errorf("%w: track id of %d bytes", ErrMalformed, len(p))
	}
	return binary.BigEndian.Uint32(p), nil
}

// AppendRTP appends an RTP frame. The packet is marshalled as it is,
// padding included.
func AppendRTP(b []byte, id uint32, p *rtp.Packet) ([]byte, error) {
	n := p.MarshalSize()
	if 4+n > MaxPayload {
		return b, fmt.Errorf("track %d: %w: RTP packet of %d bytes", id, ErrTooLarge, n)
	}
	b = appendHeader(b, TypeRTP, 4+n)
	b = binary.BigEndian.AppendUint32(b, id)
	start := len(b)
	b = append(b, make([]byte, n)...)
	if _, err := p.MarshalTo(b[start:]); err != nil {
		return b[:start-HeaderSize-4], fmt.Errorf("track %d: marshal RTP: %w", id, err)
	}
	return b, nil
}

// ParseRTP parses an RTP payload into a packet that owns its bytes.
func ParseRTP(p []byte) (uint32, *rtp.Packet, error) {
	if len(p) < 4 {
		return 0, nil, fmt.Errorf("%w: RTP frame of %d bytes", ErrMalformed, len(p))
	}
	id := binary.BigEndian.Uint32(p)
	pkt := &rtp.Packet{}
	if err := pkt.Unmarshal(append([]byte(nil), p[4:]...)); err != nil {
		return id, nil, fmt.Errorf("%w: track %d: %w", ErrMalformed, id, err)
	}
	return id, pkt, nil
}

// SenderReport is what a SenderReport frame carries.
type SenderReport struct {
	ID      uint32
	NTP     uint64
	RTPTime uint32
}

// AppendSenderReport appends a SenderReport frame.
func AppendSenderReport(b []byte, sr SenderReport) []byte {
	b = appendHeader(b, TypeSenderReport, 16)
	b = binary.BigEndian.AppendUint32(b, sr.ID)
	b = binary.BigEndian.AppendUint64(b, sr.NTP)
	return binary.BigEndian.AppendUint32(b, sr.RTPTime)
}

// ParseSenderReport parses a SenderReport payload.
func ParseSenderReport(p []byte) (SenderReport, error) {
	if len(p) != 16 {
		return SenderReport{}, fmt.Errorf("%w: sender report of %d bytes", ErrMalformed, len(p))
	}
	return SenderReport{
		ID: binary.BigEndian.Uint32(p), NTP: binary.BigEndian.Uint64(p[4:]), RTPTime: binary.BigEndian.Uint32(p[12:]),
	}, nil
}

// ReadBufferSize is the buffer a relay connection's reader should get
// (bufio.NewReaderSize): enough for many packets per read.
const ReadBufferSize = 256 << 10
