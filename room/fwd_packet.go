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
// negotiated per PeerConnection and the room negotiates none, and padding is
// dropped because pion writes the header and the payload separately.
func parseForward(raw []byte) (*rtp.Packet, error) {
	pkt := &rtp.Packet{}
	if err := pkt.Unmarshal(append([]byte(nil), raw...)); err != nil {
		return nil, err
	}
	pkt.Extension, pkt.ExtensionProfile, pkt.Extensions = false, 0, nil
	pkt.Padding, pkt.Header.PaddingSize, pkt.PaddingSize = false, 0, 0 // pion/rtp v1.10 has both fields
	return pkt, nil
}
