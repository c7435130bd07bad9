package room

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/rtcp"
)

// readRTP forwards the publisher's packets until the track ends. Garbage is
// counted, never fatal.
func (t *publishedTrack) readRTP() {
	read := func(b []byte) (int, error) {
		n, _, err := t.remote.Read(b)
		return n, err
	}
	readLoop(read, t.onRTP, func(err error) { t.bad("read rtp", err) })
}

func (t *publishedTrack) onRTP(raw []byte) {
	pkt, err := parseForward(raw)
	if err != nil {
		t.bad("parse rtp", err)
		return
	}
	t.forward(fwdPacket{pkt: pkt, key: t.isKey(pkt.Payload), arrival: t.env.now()})
}

// readRTCP reads the publisher's RTCP on the track's receiver, which also
// feeds pion's interceptors, and keeps its sender reports for the clock.
func (t *publishedTrack) readRTCP() {
	read := func(b []byte) (int, error) {
		n, _, err := t.receiver.Read(b)
		return n, err
	}
	readLoop(read, t.onRTCP, func(err error) { t.bad("read rtcp", err) })
}

func (t *publishedTrack) onRTCP(raw []byte) {
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		t.bad("parse rtcp", err)
		return
	}
	for _, p := range pkts {
		sr, ok := p.(*rtcp.SenderReport)
		if !ok || sr.SSRC != t.ssrc {
			continue
		}
		if !t.clock.onSenderReport(sr.NTPTime, sr.RTPTime, t.env.now()) {
			t.bad("sender report", fmt.Errorf("NTP time %s disagrees with the participant's clock", fromNTP(sr.NTPTime).UTC().Format(time.RFC3339)))
		}
	}
}

func (t *publishedTrack) bad(what string, err error) {
	total := t.badPackets.Add(1)
	t.errLog.log(t.log, t.env.now(), slog.LevelWarn, what, "err", err, "total", total)
}
