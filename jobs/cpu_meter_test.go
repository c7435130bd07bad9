package jobs

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
)

func TestApportion(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		used  time.Duration
		works map[string]time.Duration
		want  map[string]time.Duration
	}{
		{"codec time, and the rest split evenly", 1000 * ms, map[string]time.Duration{"a": 600 * ms, "b": 200 * ms}, map[string]time.Duration{"a": 700 * ms, "b": 300 * ms}},
		{"no codec time: an even split", 900 * ms, map[string]time.Duration{"a": 0, "b": 0, "c": 0}, map[string]time.Duration{"a": 300 * ms, "b": 300 * ms, "c": 300 * ms}},
		{"codec time over the process's: in proportion", 400 * ms, map[string]time.Duration{"a": 600 * ms, "b": 200 * ms}, map[string]time.Duration{"a": 300 * ms, "b": 100 * ms}},
		{"a clock that went back counts nothing", -5 * ms, map[string]time.Duration{"a": 0}, map[string]time.Duration{"a": 0}},
	} {
		got := apportion(tc.used, tc.works)
		for id, want := range tc.want {
			if got[id] != want {
				t.Errorf("%s: job %s %v, want %v", tc.name, id, got[id], want)
			}
		}
	}
}

// fakeCPU is a process clock that runs at rate cores and a wall clock,
// both moved by the test.
type fakeCPU struct {
	mu   sync.Mutex
	now  time.Time
	used time.Duration
}

func (f *fakeCPU) advance(d time.Duration, cores float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.used += time.Duration(float64(d) * cores)
}

func (f *fakeCPU) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeCPU) CPU() (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.used, nil
}

func TestMeterSharesAndSmooths(t *testing.T) {
	clk := &fakeCPU{now: time.Unix(1000, 0)}
	m := NewCPUMeter(MeterConfig{ProcessCPU: clk.CPU, Now: clk.Now, Window: time.Second, Smoothing: 2 * time.Second})
	var work time.Duration
	m.Add("a", func() time.Duration { return work })
	m.Add("b", func() time.Duration { return 0 })
	if err := m.Sample(); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Job("a"); ok {
		t.Fatal("a job measured before a whole window")
	}
	// One second at 1.2 cores; a spent 0.8 s in its codecs.
	clk.advance(time.Second, 1.2)
	work = 800 * time.Millisecond
	if err := m.Sample(); err != nil {
		t.Fatal(err)
	}
	a, _ := m.Job("a")
	b, _ := m.Job("b")
	if !near(a, 100) || !near(b, 20) {
		t.Fatalf("first window: a %.1f b %.1f, want 100 and 20", a, b)
	}
	// A sample within the window changes nothing.
	clk.advance(100*time.Millisecond, 5)
	if err := m.Sample(); err != nil {
		t.Fatal(err)
	}
	if a2, _ := m.Job("a"); a2 != a {
		t.Fatalf("a sample inside the window moved a: %.1f → %.1f", a, a2)
	}
	// The process idles: the shares fall, smoothed (not at once).
	clk.advance(2*time.Second, 0)
	if err := m.Sample(); err != nil {
		t.Fatal(err)
	}
	a3, _ := m.Job("a")
	if a3 <= 0 || a3 >= a {
		t.Errorf("after an idle window a is %.1f, want between 0 and %.1f", a3, a)
	}
	m.Remove("a")
	if _, ok := m.Job("a"); ok {
		t.Error("a removed job is still measured")
	}
}

func TestProcessCPUCounts(t *testing.T) {
	before, err := ProcessCPU()
	if err != nil {
		t.Fatal(err)
	}
	var after time.Duration
	for x, deadline := 1, time.Now().Add(5*time.Second); after-before < 20*time.Millisecond; x = x*31 + 7 {
		if time.Now().After(deadline) {
			t.Fatalf("5 s of busy loop counted %v of CPU", after-before)
		}
		if after, err = ProcessCPU(); err != nil || x == 0 {
			t.Fatal(err)
		}
	}
}

func near(got, want float64) bool { return got > want-0.5 && got < want+0.5 }

// realtimeCPU is a process clock that runs at a fixed number of cores
// on the wall clock, for workers that sample on their own heartbeat.
func realtimeCPU(cores float64) func() (time.Duration, error) {
	start := time.Now()
	return func() (time.Duration, error) { return time.Duration(float64(time.Since(start)) * cores), nil }
}

func TestMeasuredCPURaisesPrice(t *testing.T) {
	b := newBus(t)
	c := b.client() // every job priced 10
	meter := NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0.8), Window: 200 * time.Millisecond})
	b.meteredWorker("w1", 200, testDeps(), meter)
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Cost != 10 {
		t.Fatalf("queued job costs %d, want 10", info.Cost)
	}
	got := waitJob(t, c, info.ID, 10*time.Second, func(i types.Info) bool { return active(i) && i.Cost > 80 })
	t.Logf("price %d after measuring %.1f", got.Cost, got.MeasuredCPU)
	if got.MeasuredCPU < 75 || got.MeasuredCPU > 85 || got.Cost > 95 {
		t.Errorf("measured %.1f (want 80), price %d (want 80 + 10 %%)", got.MeasuredCPU, got.Cost)
	}
	w := waitWorker(t, c, "w1", func(w WorkerInfo) bool { return w.Load == got.Cost })
	if w.CPU < 75 || w.CPU > 85 {
		t.Errorf("worker cpu %.1f, want about 80", w.CPU)
	}
	rec, _, err := c.get(context.Background(), info.ID)
	if err != nil || rec.Cost != got.Cost {
		t.Errorf("record cost %v (err %v), want %d", rec, err, got.Cost)
	}
}

func TestAdmissionUsesMeasuredCPU(t *testing.T) {
	b := newBus(t)
	c, err := NewClient(context.Background(), ClientConfig{NC: b.conn("api"), Keyring: testKeyring, Costs: Costs{Transcode: 25, Composite: 25}, Lease: testLease})
	if err != nil {
		t.Fatal(err)
	}
	// The first job uses 0.8 of a core, whatever its price says.
	meter := NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0.8), Window: 200 * time.Millisecond})
	b.meteredWorker("w1", 100, testDeps(), meter)
	first, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, first.ID, 10*time.Second, func(i types.Info) bool { return active(i) && i.MeasuredCPU > 0 })
	// 25 + 25 fits in 100 by price, not beside 80 measured.
	second, err := c.Start(context.Background(), "acme", spec("r2"))
	if err != nil {
		t.Fatal(err)
	}
	waiting := waitJob(t, c, second.ID, 10*time.Second, func(i types.Info) bool {
		return i.Status == types.StatusPending && strings.Contains(i.Reason, "no worker has room")
	})
	t.Logf("second job waits: %s", waiting.Reason)
	if !strings.Contains(waiting.Reason, "measured at ") {
		t.Errorf("reason %q does not name the measured CPU", waiting.Reason)
	}
	if w := waitWorker(t, c, "w1", func(WorkerInfo) bool { return true }); w.CPU < 75 || w.CPU > 85 || len(w.Jobs) != 1 {
		t.Errorf("worker %+v: want one job measured at about 80", w)
	}
	if _, err := c.Stop(context.Background(), first.ID); err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, second.ID, 10*time.Second, active)
}

// TestLayoutChangeRaisesPrice: a PATCH to a dearer layout raises the
// job's price (and its class) in its record and in the worker's load.
func TestLayoutChangeRaisesPrice(t *testing.T) {
	b := newBus(t)
	c, err := NewClient(context.Background(), ClientConfig{NC: b.conn("api"), Keyring: testKeyring, RoomLimit: 4, Lease: testLease,
		Costs: Costs{Transcode: 20, Composite: 30, Tiles: map[string]TileCosts{types.LayoutGrid: {2: 40, 4: 60}}}})
	if err != nil {
		t.Fatal(err)
	}
	b.meteredWorker("w1", 200, testDeps(), NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0)}))
	s := spec("r1")
	s.Layout, s.Participant = types.LayoutSingle, "alice"
	info, err := c.Start(context.Background(), "acme", s)
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != KindTranscode || info.Cost != 20 {
		t.Fatalf("single: %s %d, want transcode 20", info.Kind, info.Cost)
	}
	waitJob(t, c, info.ID, 10*time.Second, active)
	if _, err := c.Update(context.Background(), info.ID, types.Update{LayoutSpec: types.LayoutSpec{Layout: types.LayoutGrid}}); err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, c, info.ID, 10*time.Second, func(i types.Info) bool { return i.Cost == 60 })
	if got.Kind != KindComposite {
		t.Errorf("kind after a grid PATCH: %s", got.Kind)
	}
	waitWorker(t, c, "w1", func(w WorkerInfo) bool { return w.Load == 60 })
}

// waitWorker waits up to 10 s for worker id to satisfy cond.
func waitWorker(t *testing.T, c *Client, id string, cond func(WorkerInfo) bool) WorkerInfo {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws, err := c.Workers(context.Background())
		for _, w := range ws {
			if w.ID == id && cond(w) {
				return w
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker %s: timed out; last %+v (err %v)", id, ws, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUsedIsTheLargerOfPricesAndMeasure checks the admission sum itself:
// a job taken over with its last owner's measurement over its price
// counts by the measurement until this worker measures it.
func TestUsedIsTheLargerOfPricesAndMeasure(t *testing.T) {
	w := &Worker{cfg: WorkerConfig{Capacity: 100}, owned: map[string]*owned{
		"a": {cost: 20, measured: 55.2},
		"b": {cost: 10, measured: 1},
	}, load: 30}
	if got := w.free(); got != 100-57 {
		t.Errorf("free %d, want %d (measured 56.2 rounded up)", got, 100-57)
	}
	w.owned["a"].measured = 5
	if got := w.free(); got != 70 {
		t.Errorf("free %d, want 70 (prices)", got)
	}
}

// TestIdleWorkerTakesAnOversizedJob: a job priced over every worker's
// capacity runs alone on an idle worker instead of waiting for ever; a
// second one waits.
func TestIdleWorkerTakesAnOversizedJob(t *testing.T) {
	b := newBus(t)
	c, err := NewClient(context.Background(), ClientConfig{NC: b.conn("api"), Keyring: testKeyring, Costs: Costs{Transcode: 150, Composite: 150}, Lease: testLease})
	if err != nil {
		t.Fatal(err)
	}
	b.worker("w1", 100)
	first, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, first.ID, 10*time.Second, active)
	second, err := c.Start(context.Background(), "acme", spec("r2"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, second.ID, 10*time.Second, func(i types.Info) bool {
		return i.Status == types.StatusPending && strings.Contains(i.Reason, "no worker has room")
	})
}
