package room

import (
	"time"

	"github.com/pion/rtp"
)

// fwdPacket is one packet on its way to the subscribers. The packet is
// shared by every subscriber, the GOP cache and the pending queues, so
// nothing may modify it once it is forwarded.
type fwdPacket struct {
	pkt     *rtp.Packet
	key     bool      // starts a keyframe (always true for audio)
	arrival time.Time // when the SFU read it
}

// parseForward unmarshals a packet read into a reused buffer into a packet
// that owns its bytes. Header extensions are dropped because their ids are
// negotiated per PeerConnection and the room negotiates none. The padding of
// a media packet is dropped because pion writes the header and the payload
// separately; a padding-only packet (a sender's bandwidth probe, RFC 3550
// section 5.1) keeps its padding flag and size, so that a subscriber can
// tell it from an empty, malformed one: paddingOnWire gives its bytes on
// the wire.
func parseForward(raw []byte) (*rtp.Packet, error) {
	pkt := &rtp.Packet{}
	if err := pkt.Unmarshal(append([]byte(nil), raw...)); err != nil {
		return nil, err
	}
	pkt.Extension, pkt.ExtensionProfile, pkt.Extensions = false, 0, nil
	probe := pkt.Padding && len(pkt.Payload) == 0
	size := pkt.Header.PaddingSize
	pkt.Padding, pkt.Header.PaddingSize, pkt.PaddingSize = false, 0, 0 // pion/rtp v1.10 has both fields
	if probe {
		pkt.Padding, pkt.Header.PaddingSize, pkt.PaddingSize = true, size, size
	}
	return pkt, nil
}

// paddingOnWire returns p as a pion writer that writes the header and the
// payload separately must get it: a padding-only packet with its padding
// as the payload (its last byte the padding's length), any other packet
// as it is.
func paddingOnWire(p *rtp.Packet) *rtp.Packet {
	if !p.Padding || len(p.Payload) > 0 {
		return p
	}
	n := max(p.Header.PaddingSize, 1)
	w := &rtp.Packet{Header: p.Header, Payload: make([]byte, n)}
	w.Header.PaddingSize = 0
	w.Payload[n-1] = n
	return w
}
