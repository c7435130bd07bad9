package jobs

import (
	"fmt"
	"math"
	"sync"
	"syscall"
	"time"
)

// CPUMeter measures the CPU each job of this process uses, in percent of
// one core, for the workers that run them (several workers of one
// process share one meter).
//
// Why this way: Go runs a job's goroutines, and the cgo codec calls in
// them, on whichever OS threads are free, so no thread's CPU clock
// belongs to one job; what the process's CPU clock (getrusage: user +
// system of every thread, codecs included) gives is exact but not per
// job. What each job can count is its work: the time its pipeline spends
// inside the codecs (decode, compose and scale, encode; types.Info's
// decode_seconds and encode_seconds), which is CPU-bound. The meter joins
// the two over each window: a job is given its codec time, and the rest
// of the process's CPU (ingest, RTP, muxing, outputs, the Go runtime) is
// split evenly among the jobs; when the codec time exceeds what the
// process used (wall time stretches on an overloaded machine), the
// process's CPU is split in proportion to it instead. Either way the
// shares add up to the process's CPU whenever a job runs. Each share is
// smoothed (time constant MeterConfig.Smoothing) so that one slow frame
// does not move a price.
type CPUMeter struct {
	cfg MeterConfig

	mu      sync.Mutex
	last    time.Time
	lastCPU time.Duration
	jobs    map[string]*meteredJob
}

// MeterConfig configures a CPUMeter; zero values take the defaults.
type MeterConfig struct {
	// ProcessCPU is the CPU time the process has used (default: getrusage
	// of this process).
	ProcessCPU func() (time.Duration, error)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Window is the shortest time between two samples (default 1 s):
	// callers sample as often as they like, the meter measures at most
	// once a window.
	Window time.Duration
	// Smoothing is the time constant of each job's average (default 5 s).
	Smoothing time.Duration
}

// meteredJob is one job's work counter and share.
type meteredJob struct {
	work     func() time.Duration // codec time so far
	lastWork time.Duration
	cpu      float64 // smoothed share, percent of one core
	measured bool
}

// NewCPUMeter returns a meter with cfg's defaults filled in.
func NewCPUMeter(cfg MeterConfig) *CPUMeter {
	if cfg.ProcessCPU == nil {
		cfg.ProcessCPU = ProcessCPU
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Second
	}
	if cfg.Smoothing <= 0 {
		cfg.Smoothing = 5 * time.Second
	}
	return &CPUMeter{cfg: cfg, jobs: map[string]*meteredJob{}}
}

// ProcessCPU is this process's user and system CPU time (getrusage).
func ProcessCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// Add meters job id, whose codec time so far work returns.
func (m *CPUMeter) Add(id string, work func() time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.jobs[id] = &meteredJob{work: work, lastWork: work()}
}

// Remove stops metering job id.
func (m *CPUMeter) Remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.jobs, id)
}

// Job is job id's smoothed CPU share; false until it has been measured.
func (m *CPUMeter) Job(id string) (float64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	if j == nil || !j.measured {
		return 0, false
	}
	return j.cpu, true
}

// Sample measures the window since the last sample, if it is at least
// Window long; it fails only when the process's CPU cannot be read.
func (m *CPUMeter) Sample() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	if !m.last.IsZero() && now.Sub(m.last) < m.cfg.Window {
		return nil
	}
	cpu, err := m.cfg.ProcessCPU()
	if err != nil {
		return err
	}
	first := m.last.IsZero()
	elapsed, used := now.Sub(m.last), cpu-m.lastCPU
	m.last, m.lastCPU = now, cpu
	works := make(map[string]time.Duration, len(m.jobs))
	for id, j := range m.jobs {
		w := j.work()
		works[id] = max(w-j.lastWork, 0)
		j.lastWork = w
	}
	if first || elapsed <= 0 || len(m.jobs) == 0 {
		return nil
	}
	alpha := 1 - math.Exp(-elapsed.Seconds()/m.cfg.Smoothing.Seconds())
	for id, share := range apportion(used, works) {
		j := m.jobs[id]
		pct := 100 * share.Seconds() / elapsed.Seconds()
		if !j.measured {
			j.cpu, j.measured = pct, true
			continue
		}
		j.cpu += alpha * (pct - j.cpu)
	}
	return nil
}

// apportion splits the process's CPU time used among the jobs by their
// codec time works (see CPUMeter).
func apportion(used time.Duration, works map[string]time.Duration) map[string]time.Duration {
	var total time.Duration
	for _, w := range works {
		total += w
	}
	used = max(used, 0)
	out := make(map[string]time.Duration, len(works))
	if total > used {
		for id, w := range works {
			out[id] = time.Duration(float64(used) * float64(w) / float64(total))
		}
		return out
	}
	rest := (used - total) / time.Duration(len(works))
	for id, w := range works {
		out[id] = w + rest
	}
	return out
}
