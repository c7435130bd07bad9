package synth

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// srLog keeps the first RTCP sender report of each SSRC a test peer
// received: the sender's mapping from RTP time to wall time, which is what
// a receiver synchronises the tracks of a stream by.
type srLog struct {
	mu    sync.Mutex
	first map[uint32]rtcp.SenderReport
}

// read logs the receiver's sender reports until it ends.
func (l *srLog) read(receiver *webrtc.RTPReceiver) {
	for {
		pkts, _, err := receiver.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			if sr, ok := pkt.(*rtcp.SenderReport); ok {
				l.add(*sr)
			}
		}
	}
}

func (l *srLog) add(sr rtcp.SenderReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.first == nil {
		l.first = map[uint32]rtcp.SenderReport{}
	}
	if _, ok := l.first[sr.SSRC]; !ok {
		l.first[sr.SSRC] = sr
	}
}

// wallTime maps the RTP timestamp of pkt to the sender's wall clock by
// the first sender report of its SSRC; false before there is one.
func (l *srLog) wallTime(pkt *rtp.Packet, clock uint32) (time.Time, bool) {
	l.mu.Lock()
	sr, ok := l.first[pkt.SSRC]
	l.mu.Unlock()
	if !ok {
		return time.Time{}, false
	}
	ntp := sr.NTPTime
	at := time.Unix(int64(ntp>>32)-2208988800, int64((ntp&0xffffffff)*uint64(time.Second)>>32))
	ticks := int64(int32(pkt.Timestamp - sr.RTPTime)) // wraps safely within ±6 h at 90 kHz
	return at.Add(time.Duration(ticks * int64(time.Second) / int64(clock))), true
}
