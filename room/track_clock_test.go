package room

import (
	"testing"
	"time"
)

func TestTrackClockFromPackets(t *testing.T) {
	c := newTrackClock(90000, &clockOffset{})
	now := time.Unix(1700000000, 0)
	if _, _, ok := c.at(now); ok {
		t.Fatal("clock without packets or reports is known")
	}
	c.onPacket(1000, now)
	ntp, ts, ok := c.at(now.Add(100 * time.Millisecond))
	if !ok || ts != 1000+9000 || ntp != toNTP(now.Add(100*time.Millisecond)) {
		t.Fatalf("at = %#x, %d, %v", ntp, ts, ok)
	}
}

// A publisher whose clock is 100 s behind: both of its tracks move to the
// SFU clock by the same offset, taken from the first sender report, so their
// alignment survives.
func TestTrackClockFromSenderReports(t *testing.T) {
	off := &clockOffset{}
	video, audio := newTrackClock(90000, off), newTrackClock(48000, off)
	sfu := time.Unix(1700000000, 0)
	pub := sfu.Add(-100 * time.Second)
	video.onSenderReport(toNTP(pub), 90000, sfu.Add(10*time.Millisecond))
	// The audio report comes later, and with transit jitter; it must not
	// change the offset.
	audio.onSenderReport(toNTP(pub.Add(time.Second)), 48000*2, sfu.Add(time.Second+50*time.Millisecond))

	at := sfu.Add(2*time.Second + 10*time.Millisecond)
	_, vts, _ := video.at(at)
	_, ats, _ := audio.at(at)
	// At SFU time sfu+10ms+2s, the publisher's clock reads pub+2s: video
	// 90000 + 2 s, audio 96000 + 1 s.
	if want := uint32(90000 + 2*90000); absDiff(vts, want) > 1 {
		t.Errorf("video rtp = %d, want %d", vts, want)
	}
	if want := uint32(96000 + 48000); absDiff(ats, want) > 1 {
		t.Errorf("audio rtp = %d, want %d", ats, want)
	}
}

func absDiff(a, b uint32) uint32 {
	if d := int32(a - b); d < 0 {
		return uint32(-d)
	}
	return a - b
}
