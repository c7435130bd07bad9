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

// A sender report whose NTP time is far off the participant's clock
// offset is ignored: the track keeps its mapping.
func TestTrackClockIgnoresBogusSenderReport(t *testing.T) {
	c := newTrackClock(90000, &clockOffset{})
	sfu := time.Unix(1700000000, 0)
	if !c.onSenderReport(toNTP(sfu), 0, sfu) {
		t.Fatal("first report refused")
	}
	for _, ntp := range []uint64{0, 1, 0xffffffffffffffff, toNTP(sfu.Add(time.Hour)), toNTP(sfu.Add(-11 * time.Second))} {
		if c.onSenderReport(ntp, 12345, sfu.Add(time.Second)) {
			t.Errorf("report with NTP %#x taken", ntp)
		}
	}
	if _, ts, _ := c.at(sfu.Add(time.Second)); absDiff(ts, 90000) > 1 {
		t.Errorf("rtp = %d after bogus reports, want %d", ts, 90000)
	}
	// 200 ms of transit: the report is taken, on the first offset.
	if !c.onSenderReport(toNTP(sfu.Add(time.Second)), 90000, sfu.Add(time.Second+200*time.Millisecond)) {
		t.Error("report with transit jitter refused")
	}
	if _, ts, _ := c.at(sfu.Add(2 * time.Second)); absDiff(ts, 2*90000) > 1 {
		t.Errorf("rtp = %d, want %d", ts, 2*90000)
	}
}

// A packet whose timestamp jumped does not move the clock; packets that
// all jumped for clockResync do.
func TestTrackClockIgnoresTimestampJump(t *testing.T) {
	c := newTrackClock(48000, &clockOffset{})
	now := time.Unix(1700000000, 0)
	c.onPacket(0, now)
	c.onPacket(48000, now.Add(time.Second))
	c.onPacket(48000+1<<30, now.Add(time.Second+20*time.Millisecond))         // wild
	c.onPacket(uint32(1<<32-1<<20), now.Add(time.Second+40*time.Millisecond)) // wild, back
	if _, ts, _ := c.at(now.Add(2 * time.Second)); absDiff(ts, 96000) > 1 {
		t.Fatalf("rtp = %d after wild packets, want %d", ts, 96000)
	}
	// The publisher really jumped by an hour.
	hour := uint32(3600 * 48000)
	for i := range 200 {
		at := now.Add(2*time.Second + time.Duration(i)*20*time.Millisecond)
		c.onPacket(96000+hour+uint32(i*960), at)
	}
	if _, ts, _ := c.at(now.Add(6 * time.Second)); absDiff(ts, 96000+hour+4*48000) > 1 {
		t.Fatalf("rtp = %d after the jump, want %d", ts, 96000+hour+4*48000)
	}
}

func absDiff(a, b uint32) uint32 {
	if d := int32(a - b); d < 0 {
		return uint32(-d)
	}
	return a - b
}
