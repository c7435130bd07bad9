package room

import "time"

// ntpUnixOffset is the number of seconds from the NTP epoch (1900-01-01) to
// the Unix epoch (1970-01-01).
const ntpUnixOffset = 2208988800

// toNTP converts a wall-clock time to the 64-bit NTP format of RTCP sender
// reports (RFC 3550 section 4): seconds since 1900 in the high 32 bits, the
// binary fraction of a second in the low 32 bits. The seconds wrap in 2036
// (NTP era 1), as the format does.
func toNTP(t time.Time) uint64 {
	ns := t.UnixNano()
	secs := uint64(ns/int64(time.Second)) + ntpUnixOffset
	frac := (uint64(ns%int64(time.Second)) << 32) / uint64(time.Second)
	return secs<<32 | frac
}

// fromNTP converts a 64-bit NTP time to wall-clock time. A value whose most
// significant bit is clear is taken to be in era 1 (2036-2104), following
// RFC 4330 section 3.
func fromNTP(v uint64) time.Time {
	secs := int64(v >> 32)
	if v>>63 == 0 {
		secs += 1 << 32
	}
	ns := int64(((v & 0xffffffff) * uint64(time.Second)) >> 32)
	return time.Unix(secs-ntpUnixOffset, ns)
}

// rtpTicks converts a duration to RTP clock ticks; a negative duration gives
// the two's complement, so adding the result to a timestamp goes back.
func rtpTicks(d time.Duration, clockRate uint32) uint32 {
	secs := int64(d / time.Second)
	rem := int64(d % time.Second)
	ticks := secs*int64(clockRate) + rem*int64(clockRate)/int64(time.Second)
	return uint32(ticks)
}
