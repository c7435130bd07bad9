package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	series := func(n int) []time.Duration {
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = time.Duration(n-i) * time.Microsecond // reversed: summarize sorts
		}
		return d
	}
	for _, c := range []struct {
		n             int
		p50, p99, max float64
	}{
		{0, 0, 0, 0},
		{1, 1, 1, 1},
		{2, 1, 2, 2},
		{100, 50, 99, 100},
		{1000, 500, 990, 1000},
		{100001, 50001, 99001, 100001},
	} {
		got := summarize(series(c.n))
		if got.P50 != c.p50 || got.P99 != c.p99 || got.Max != c.max {
			t.Errorf("%d times: %+v, want p50 %v p99 %v max %v", c.n, got, c.p50, c.p99, c.max)
		}
	}
}

func TestJudge(t *testing.T) {
	ok := options{calls: 100000}
	fast := checkResult{Name: "fast", latency: latency{P99: 49.9}}
	slow := checkResult{Name: "slow", latency: latency{P99: 50}}
	for _, c := range []struct {
		name   string
		o      options
		r      results
		pass   bool
		reason string
	}{
		{"all under the bar", ok, results{Checks: []checkResult{fast, fast}}, true, ""},
		{"a check at the bar", ok, results{Checks: []checkResult{fast, slow}}, false, "slow: p99 over the bar"},
		{"too few calls", options{calls: 99999}, results{Checks: []checkResult{fast}}, false, "fewer than 100000 calls per check run"},
		{"an HTTP error", ok, results{Checks: []checkResult{fast}, HTTP: []httpResult{{Name: "GET", Errors: 1, FirstError: "status 500"}}}, false, "GET: status 500"},
	} {
		c.r.BarMicros = micros(bar)
		c.r.judge(c.o)
		if c.r.Pass != c.pass || c.r.FailReason != c.reason {
			t.Errorf("%s: pass %v %q, want %v %q", c.name, c.r.Pass, c.r.FailReason, c.pass, c.reason)
		}
	}
}

func TestRunsColumn(t *testing.T) {
	for _, c := range []struct {
		p99s []float64
		want string
	}{
		{nil, "1"},
		{[]float64{12.3}, "1"},
		{[]float64{61, 48.25}, "2 (p99 61µs 48.3µs)"},
	} {
		if got := runs(c.p99s); got != c.want {
			t.Errorf("runs(%v) = %q, want %q", c.p99s, got, c.want)
		}
	}
}
