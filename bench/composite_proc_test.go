package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// procUsage is what one process used: CPU over the window (every
// thread, schedstat), its peak RSS over its life (wait4's rusage), and
// the CPU the rest of the machine used meanwhile (other tests, the
// other engineers' work: the noise).
type procUsage struct {
	cpu, wall time.Duration
	others    time.Duration
	maxRSS    int64 // bytes
}

// cores is the CPU used per second: 1 is one core busy.
func (p procUsage) cores() float64 { return p.cpu.Seconds() / p.wall.Seconds() }

// otherCores is the same for the rest of the machine.
func (p procUsage) otherCores() float64 { return p.others.Seconds() / p.wall.Seconds() }

// measureProcess starts cmd, measures its CPU from warmup after its
// start for window, then calls stop (nil: wait for it to end) and waits.
// atEdges, when set, runs at the window's start and end.
func measureProcess(b *testing.B, cmd *exec.Cmd, warmup, window time.Duration, stop func(*os.Process), atEdges func()) procUsage {
	b.Helper()
	var out bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &out
	}
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	fail := func(when string, err error) {
		_ = cmd.Process.Kill()
		b.Fatalf("%s %s: %v\n%s", cmd.Path, when, err, out.String())
	}
	var u procUsage
	start := time.Now()
	var c0, m0 time.Duration
	var w0 time.Time
	for i, at := range []time.Duration{warmup, warmup + window} {
		select {
		case err := <-done:
			fail(fmt.Sprintf("ended %v after its start, before the window's end", time.Since(start).Round(time.Millisecond)), err)
		case <-time.After(time.Until(start.Add(at))):
		}
		c, err := procRuntime(cmd.Process.Pid)
		if err != nil {
			fail("schedstat", err)
		}
		m, w := machineBusy(), time.Now()
		if atEdges != nil {
			atEdges()
		}
		if i == 0 {
			c0, m0, w0 = c, m, w
			continue
		}
		u.cpu, u.wall, u.others = c-c0, w.Sub(w0), max(0, m-m0-(c-c0))
	}
	if stop != nil {
		stop(cmd.Process)
	}
	select {
	case err := <-done:
		if err != nil && stop == nil {
			fail("failed", err)
		}
	case <-time.After(30 * time.Second):
		fail("did not end", fmt.Errorf("killed"))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return u
}

// machineBusy is the CPU time every core of the machine has spent
// outside idle and iowait (/proc/stat), all processes.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	var busy uint64
	for i := 1; i < len(f) && i <= 8; i++ {
		if i == 4 || i == 5 {
			continue
		}
		n, _ := strconv.ParseUint(f[i], 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTick
}
