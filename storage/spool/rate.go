package spool

import "time"

// rateWindow is how far back the input rate looks: long enough to take
// in the raw parts that close once a minute per track.
const (
	rateWindow  = 60 * time.Second
	rateMinSpan = 5 * time.Second
)

// rateMeter measures the spool's net input in bytes per second over the
// last rateWindow, in one-second buckets. Not safe for concurrent use.
type rateMeter struct {
	buckets [int(rateWindow / time.Second)]int64
	last    int64 // the second of the newest bucket
	first   time.Time
}

// add counts n bytes (negative for bytes that left) at now.
func (m *rateMeter) add(now time.Time, n int64) {
	if m.first.IsZero() {
		m.first = now
	}
	m.advance(now)
	m.buckets[m.last%int64(len(m.buckets))] += n
}

// advance clears the buckets of the seconds since the newest one.
func (m *rateMeter) advance(now time.Time) {
	sec := now.Unix()
	if sec <= m.last {
		return
	}
	for s := max(m.last+1, sec-int64(len(m.buckets))+1); s <= sec; s++ {
		m.buckets[s%int64(len(m.buckets))] = 0
	}
	m.last = sec
}

// perSecond is the input rate at now; a spool younger than the window
// averages over its age (at least rateMinSpan).
func (m *rateMeter) perSecond(now time.Time) float64 {
	if m.first.IsZero() {
		return 0
	}
	m.advance(now)
	var sum int64
	for _, b := range m.buckets {
		sum += b
	}
	span := min(max(now.Sub(m.first), rateMinSpan), rateWindow)
	if sum <= 0 {
		return 0
	}
	return float64(sum) / span.Seconds()
}
