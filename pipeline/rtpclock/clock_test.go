package rtpclock

import (
	"testing"
	"time"
)

// ntpOf is the inverse of ntpTime, for building sender reports.
func ntpOf(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := (uint64(t.Nanosecond())<<32 + uint64(time.Second)/2) / uint64(time.Second)
	return secs<<32 | frac
}

func TestNTPTime(t *testing.T) {
	cases := []struct {
		name string
		ntp  uint64
		want time.Time
	}{
		{"unix epoch", ntpEpochOffset << 32, time.Unix(0, 0)},
		{"half second", ntpEpochOffset<<32 | 1<<31, time.Unix(0, 500_000_000)},
		{"2024", uint64(1_700_000_000+ntpEpochOffset)<<32 | 1<<30, time.Unix(1_700_000_000, 250_000_000)},
		{"era 0 end", 0xffffffff<<32 | 0xffffffff, time.Unix(0xffffffff+1-ntpEpochOffset, 0)}, // rounds up,
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ntpTime(c.ntp); !got.Equal(c.want) {
				t.Fatalf("ntpTime(%#x) = %v, want %v", c.ntp, got, c.want)
			}
		})
	}
	now := time.Unix(1_750_000_000, 123_456_789)
	if got := ntpTime(ntpOf(now)); !got.Equal(now) {
		t.Fatalf("round trip: %v, want %v", got, now)
	}
}

func TestUnwrap(t *testing.T) {
	cases := []struct {
		name string
		in   []uint32
		want []int64
	}{
		{"forward", []uint32{100, 3100, 6100}, []int64{100, 3100, 6100}},
		{"wrap forward", []uint32{0xffffff00, 0x00000100, 0x00001000}, []int64{0xffffff00, 0x100000100, 0x100001000}},
		{"reordered across wrap", []uint32{0x00000100, 0xffffff00, 0x00000200}, []int64{0x100, -0x100, 0x200}},
		{"backwards", []uint32{90000, 87000, 93000}, []int64{90000, 87000, 93000}},
		{"two wraps", []uint32{0, 0x7fffffff, 0xfffffffe, 0x7ffffffd}, []int64{0, 0x7fffffff, 0xfffffffe, 0x17ffffffd}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var u unwrapper
			for i, ts := range c.in {
				if got := u.unwrap(ts); got != c.want[i] {
					t.Fatalf("unwrap #%d (%#x) = %#x, want %#x", i, ts, got, c.want[i])
				}
			}
		})
	}
}

// clockStep is one operation on a Track: a sender report, an arrival
// anchor, or a PTS query (with the PTS wanted).
type clockStep struct {
	op   string // "sr", "arrival", "rebase", "pts"
	at   time.Time
	ts   uint32
	want time.Duration
}

func TestTrackClock(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	ms := time.Millisecond
	cases := []struct {
		name  string
		rate  uint32
		steps []clockStep
	}{
		{"sr maps 90 kHz", 90000, []clockStep{
			{op: "sr", at: t0, ts: 1000},
			{op: "pts", ts: 1000, want: 0},
			{op: "pts", ts: 4000, want: 33333333},
			{op: "pts", ts: 91000, want: time.Second},
		}},
		{"sr maps 48 kHz", 48000, []clockStep{
			{op: "sr", at: t0, ts: 0},
			{op: "pts", ts: 960, want: 0},
			{op: "pts", ts: 1920, want: 20 * ms},
		}},
		{"frames before the sr", 90000, []clockStep{
			{op: "sr", at: t0, ts: 90000},
			{op: "pts", ts: 0, want: 0}, // the epoch
			{op: "pts", ts: 90000, want: time.Second},
		}},
		{"wraparound", 90000, []clockStep{
			{op: "sr", at: t0, ts: 0xffff0000},
			{op: "pts", ts: 0xffff0000, want: 0},
			{op: "pts", ts: 0x00010000, want: 0x20000 * time.Second / 90000},
			{op: "sr", at: t0.Add(2 * time.Second), ts: 0x00010000}, // unwrapped like the packets
			{op: "pts", ts: 0x00010000 + 90000, want: 3 * time.Second},
		}},
		{"sr jitter is slewed", 90000, append(exactReports(t0, srSlew), []clockStep{
			{op: "pts", ts: 0, want: 0},
			{op: "sr", at: t0.Add(srSlew*time.Second + 16*ms), ts: srSlew * 90000}, // 16 ms off: moves 1 ms
			{op: "pts", ts: (srSlew + 1) * 90000, want: (srSlew+1)*time.Second + ms},
			{op: "sr", at: t0.Add((srSlew+1)*time.Second - 15*ms), ts: (srSlew + 1) * 90000}, // 16 ms early: back 1 ms
			{op: "pts", ts: (srSlew + 2) * 90000, want: (srSlew + 2) * time.Second},
		}...)},
		{"the first reports are averaged", 90000, []clockStep{
			{op: "sr", at: t0.Add(24 * ms), ts: 0}, // 24 ms late
			{op: "pts", ts: 0, want: 0},            // the epoch
			{op: "sr", at: t0.Add(time.Second), ts: 90000},
			{op: "pts", ts: 180000, want: 2*time.Second - 12*ms}, // half of it gone
			{op: "sr", at: t0.Add(2 * time.Second), ts: 180000},
			{op: "pts", ts: 270000, want: 3*time.Second - 16*ms}, // two thirds
			{op: "sr", at: t0.Add(3 * time.Second), ts: 270000},
			{op: "pts", ts: 360000, want: 4*time.Second - 18*ms}, // three quarters
		}},
		{"sr step is taken at once", 90000, []clockStep{
			{op: "sr", at: t0, ts: 0},
			{op: "pts", ts: 0, want: 0},
			{op: "pts", ts: 90000, want: time.Second},
			{op: "sr", at: t0.Add(2 * time.Second), ts: 90000},
			{op: "pts", ts: 180000, want: 3 * time.Second},
		}},
		{"sr stepping back is clamped", 90000, []clockStep{
			{op: "sr", at: t0, ts: 0},
			{op: "pts", ts: 0, want: 0},
			{op: "pts", ts: 9000, want: 100 * ms},
			{op: "sr", at: t0.Add(-time.Second), ts: 9000},
			{op: "pts", ts: 12000, want: 101 * ms},
			{op: "pts", ts: 15000, want: 102 * ms},
			{op: "pts", ts: 279000, want: 2 * time.Second},
		}},
		{"equal timestamps stay increasing", 90000, []clockStep{
			{op: "sr", at: t0, ts: 0},
			{op: "pts", ts: 3000, want: 0},
			{op: "pts", ts: 3000, want: ms},
		}},
		{"fallback by arrival", 48000, []clockStep{
			{op: "arrival", at: t0, ts: 5000},
			{op: "pts", ts: 5000, want: 0},
			{op: "pts", ts: 5000 + 48000, want: time.Second},
		}},
		{"arrival ignored once synced", 90000, []clockStep{
			{op: "sr", at: t0, ts: 0},
			{op: "arrival", at: t0.Add(time.Hour), ts: 0},
			{op: "pts", ts: 0, want: 0},
			{op: "pts", ts: 90000, want: time.Second},
		}},
		{"rebase after a jump", 90000, []clockStep{
			{op: "sr", at: t0, ts: 0},
			{op: "pts", ts: 0, want: 0},
			{op: "rebase", at: t0.Add(2 * time.Second), ts: 0xf0000000},
			{op: "pts", ts: 0xf0000000, want: 2 * time.Second},
			{op: "pts", ts: 0xf0000000 + 90000, want: 3 * time.Second},
			{op: "sr", at: t0.Add(3 * time.Second), ts: 0xf0000000 + 90000}, // sender reports take over
			{op: "pts", ts: 0xf0000000 + 180000, want: 4 * time.Second},
		}},
		{"sr after fallback", 90000, []clockStep{
			{op: "arrival", at: t0, ts: 0},
			{op: "pts", ts: 0, want: 0},
			{op: "sr", at: t0.Add(500 * ms), ts: 0},
			{op: "pts", ts: 90000, want: 1500 * ms},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var common Common
			tc := NewTrack(c.rate)
			if tc.Synced() {
				t.Fatal("synced before any mapping")
			}
			for i, s := range c.steps {
				switch s.op {
				case "sr":
					tc.SenderReport(ntpOf(s.at), s.ts)
				case "arrival":
					tc.Arrival(s.at, s.ts)
				case "rebase":
					tc.Rebase(s.at, s.ts)
				case "pts":
					if !tc.Synced() {
						t.Fatalf("step %d: not synced", i)
					}
					if got := tc.PTS(s.ts, &common); got != s.want {
						t.Fatalf("step %d: pts(%d) = %v, want %v", i, s.ts, got, s.want)
					}
				}
			}
		})
	}
}

// exactReports is n sender reports a second apart, from t0 at RTP time
// 0, at 90 kHz, that agree with each other.
func exactReports(t0 time.Time, n int) []clockStep {
	var steps []clockStep
	for i := range n {
		steps = append(steps, clockStep{op: "sr", at: t0.Add(time.Duration(i) * time.Second), ts: uint32(i) * 90000})
	}
	return steps
}

// TestCommonEpoch checks that tracks share one epoch, so a track whose
// first frames are older than the first unit gets negative PTS, and that
// A/V alignment carried by the sender reports survives.
func TestCommonEpoch(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var common Common
	video, audio := NewTrack(90000), NewTrack(48000)
	video.SenderReport(ntpOf(t0), 1_000_000)
	audio.SenderReport(ntpOf(t0.Add(10*time.Millisecond)), 7_000)

	if got := video.PTS(1_000_000+9000, &common); got != 0 { // epoch = t0 + 100 ms
		t.Fatalf("first video pts = %v, want 0", got)
	}
	// Audio at t0 + 10 ms + 20 ms: older than the epoch.
	if got := audio.PTS(7_000+960, &common); got != -70*time.Millisecond {
		t.Fatalf("old audio pts = %v, want -70ms", got)
	}
	// Same instant on both tracks: same PTS.
	v := video.PTS(1_000_000+90000, &common)
	a := audio.PTS(7_000+48000-480, &common)
	if v != 900*time.Millisecond || a != v {
		t.Fatalf("aligned pts: video %v audio %v, want 900ms both", v, a)
	}
}

// TestCommonSetEpoch: an epoch set before any unit is PTS 0, so media
// from before it (a room's cache) has negative PTS from the first unit
// on; a second SetEpoch, or one after units were timed, changes nothing.
func TestCommonSetEpoch(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var common Common
	common.SetEpoch(t0.Add(3 * time.Second))
	common.SetEpoch(t0.Add(time.Hour))
	audio := NewTrack(48000)
	audio.SenderReport(ntpOf(t0), 0)
	if got := audio.PTS(48000, &common); got != -2*time.Second {
		t.Fatalf("cached audio pts = %v, want -2s", got)
	}
	if got := audio.PTS(4*48000, &common); got != time.Second {
		t.Fatalf("live audio pts = %v, want 1s", got)
	}

	var late Common
	late.since(t0)
	late.SetEpoch(t0.Add(time.Second))
	if got := late.since(t0.Add(time.Second)); got != time.Second {
		t.Fatalf("SetEpoch after the first unit moved the epoch: %v, want 1s", got)
	}
}

// ByArrival follows where the mapping comes from: none, an arrival, a
// sender report, a rebase.
func TestByArrival(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	c := NewTrack(90000)
	steps := []struct {
		name string
		do   func()
		want bool
	}{
		{"new", func() {}, false},
		{"arrival", func() { c.Arrival(t0, 0) }, true},
		{"sender report", func() { c.SenderReport(ntpOf(t0), 3000) }, false},
		{"rebase", func() { c.Rebase(t0.Add(time.Second), 90000) }, true},
	}
	for _, s := range steps {
		s.do()
		if got := c.ByArrival(); got != s.want {
			t.Fatalf("after %s: ByArrival %v, want %v", s.name, got, s.want)
		}
	}
}
