package room

import "github.com/pion/rtcp"

// rtcpWriter sends RTCP on a PeerConnection; *webrtc.PeerConnection is one.
type rtcpWriter interface {
	WriteRTCP(pkts []rtcp.Packet) error
}
