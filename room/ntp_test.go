package room

import (
	"testing"
	"time"
)

func TestNTPConversion(t *testing.T) {
	unix := time.Unix(0, 0)
	if got, want := toNTP(unix), uint64(2208988800)<<32; got != want {
		t.Fatalf("toNTP(1970) = %#x, want %#x", got, want)
	}
	half := time.Unix(1700000000, 500_000_000)
	if got := toNTP(half); got&0xffffffff != 0x80000000 || got>>32 != 1700000000+2208988800 {
		t.Fatalf("toNTP(%v) = %#x", half, got)
	}
	for _, tt := range []time.Time{half, time.Unix(1234567890, 123456789), time.Date(2040, 1, 2, 3, 4, 5, 6000, time.UTC)} {
		back := fromNTP(toNTP(tt))
		if d := back.Sub(tt); d < -time.Nanosecond || d > time.Nanosecond {
			t.Errorf("round trip of %v gives %v", tt, back)
		}
	}
}

func TestRTPTicks(t *testing.T) {
	cases := []struct {
		d    time.Duration
		rate uint32
		want uint32
	}{
		{time.Second, 90000, 90000},
		{20 * time.Millisecond, 48000, 960},
		{-time.Second, 90000, uint32(1<<32 - 90000)},
		{48 * time.Hour, 90000, uint32(48 * 3600 * 90000 % (1 << 32))},
	}
	for _, c := range cases {
		if got := rtpTicks(c.d, c.rate); got != c.want {
			t.Errorf("rtpTicks(%v, %d) = %d, want %d", c.d, c.rate, got, c.want)
		}
	}
}

func nowForTests() time.Time { return time.Unix(1700000000, 0) }
