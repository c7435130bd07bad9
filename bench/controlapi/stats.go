package main

import (
	"slices"
	"time"
)

// latency summarizes a run's times, in microseconds.
type latency struct {
	P50 float64 `json:"p50_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
}

// summarize sorts took and reads its percentiles (nearest rank); zero
// for no times.
func summarize(took []time.Duration) latency {
	if len(took) == 0 {
		return latency{}
	}
	slices.Sort(took)
	return latency{P50: micros(rank(took, 50)), P99: micros(rank(took, 99)), Max: micros(took[len(took)-1])}
}

// rank is the p-th percentile of sorted by nearest rank: the smallest
// time that at least p percent of the times do not exceed.
func rank(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i, 1)-1]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
