package synth

import (
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
)

// readFeedback reads RTCP from sender until the sender stops, counting PLI,
// FIR and NACK. Reading also drives the interceptors: pion's NACK responder
// sees NACKs only through this read. A PLI or FIR sets keyRequest when it
// is not nil. A nil sender, a track left out, has nothing to read.
func readFeedback(sender *webrtc.RTPSender, stats *counters, keyRequest *atomic.Bool) {
	if sender == nil {
		return
	}
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			countFeedback(pkt, stats, keyRequest)
		}
	}
}

func countFeedback(pkt rtcp.Packet, stats *counters, keyRequest *atomic.Bool) {
	switch pkt.(type) {
	case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
		stats.plis.Add(1)
		if keyRequest != nil {
			keyRequest.Store(true)
		}
	case *rtcp.TransportLayerNack:
		stats.nacks.Add(1)
	}
}
