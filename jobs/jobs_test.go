package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testLease = 1500 * time.Millisecond

// testKeyring seals the job records of the tests.
var testKeyring = newTestKeyring("test")

// newTestKeyring is a keyring of fresh random keys with ids, the first
// sealing.
func newTestKeyring(ids ...string) *seal.Keyring {
	var entries []string
	for _, id := range ids {
		k, err := seal.GenerateKey(id)
		if err != nil {
			panic(err)
		}
		entries = append(entries, k)
	}
	r, err := seal.ParseKeys(strings.Join(entries, ","))
	if err != nil {
		panic(err)
	}
	return r
}

// mustEncode is rec as the jobs bucket keeps it, sealed with testKeyring.
func mustEncode(t testing.TB, rec *Record) []byte {
	t.Helper()
	b, err := rec.encode(testKeyring)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tickMedia emits a keyframe every 33 ms until ctx ends.
type tickMedia struct{}

func (tickMedia) Run(ctx context.Context, sink func(*media.Unit)) error {
	tr := &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264}
	t := time.NewTicker(33 * time.Millisecond)
	defer t.Stop()
	var pts time.Duration
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			pts += 33 * time.Millisecond
			sink(&media.Unit{Track: tr, PTS: pts, DTS: pts, Key: true, Data: []byte{1}})
		}
	}
}

func (tickMedia) EncodeTime() time.Duration        { return 0 }
func (tickMedia) DecodeTime() time.Duration        { return 0 }
func (tickMedia) SetLayout(types.LayoutSpec) error { return nil }

// countOutput reads its fan-out reader and counts units.
type countOutput struct {
	src   *fanout.Reader
	units atomic.Int64
}

func (o *countOutput) Run(ctx context.Context) error {
	for {
		if _, err := o.src.Read(ctx); err != nil {
			return nil
		}
		o.units.Add(1)
	}
}
func (o *countOutput) Stats() egress.OutputStats { return egress.OutputStats{Connected: true} }
func (o *countOutput) Close()                    { o.src.Close() }

func testDeps() egress.Deps {
	return egress.Deps{
		NewMedia: func(string, types.Spec, source.Handler, *slog.Logger) (egress.Media, error) { return tickMedia{}, nil },
		NewRTMP: func(raw string, r *fanout.Reader, _ *slog.Logger) (egress.Output, string, error) {
			return &countOutput{src: r}, "rtmp://host/app/****", nil
		},
		Backoff: egress.Backoff{Base: 10 * time.Millisecond, Max: 10 * time.Millisecond},
	}
}

// bus is an embedded JetStream for one test.
type bus struct {
	emb *Embedded
	t   *testing.T
}

func newBus(t *testing.T) *bus {
	t.Helper()
	emb, err := StartEmbedded(t.TempDir(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	return &bus{emb: emb, t: t}
}

func (b *bus) conn(name string) *nats.Conn {
	b.t.Helper()
	nc, err := b.emb.Connect(name)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(nc.Close)
	return nc
}

func (b *bus) client() *Client {
	b.t.Helper()
	return b.clientKeyed(testKeyring)
}

// clientKeyed is a client whose records are sealed with ring.
func (b *bus) clientKeyed(ring *seal.Keyring) *Client {
	b.t.Helper()
	c, err := NewClient(context.Background(), ClientConfig{NC: b.conn("api"), Keyring: ring, Costs: Costs{Transcode: 10, Composite: 10}, Lease: testLease})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// runningWorker is a worker whose Run the test controls.
type runningWorker struct {
	w      *Worker
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func (b *bus) worker(id string, capacity int) *runningWorker {
	b.t.Helper()
	return b.workerWith(id, capacity, testDeps())
}

// workerWith is worker with the given deps.
func (b *bus) workerWith(id string, capacity int, deps egress.Deps) *runningWorker {
	// A process clock that stands still: these tests are about prices,
	// not about the test process's own CPU.
	return b.meteredWorker(id, capacity, deps, NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0)}))
}

// meteredWorker is a worker measuring its jobs with meter (nil: its own).
func (b *bus) meteredWorker(id string, capacity int, deps egress.Deps, meter *CPUMeter) *runningWorker {
	b.t.Helper()
	return b.keyedWorker(id, capacity, deps, meter, testKeyring)
}

// keyedWorker is meteredWorker opening the records with ring.
func (b *bus) keyedWorker(id string, capacity int, deps egress.Deps, meter *CPUMeter, ring *seal.Keyring) *runningWorker {
	b.t.Helper()
	return b.runWorker(WorkerConfig{ID: id, Capacity: capacity, Deps: deps, Meter: meter, Keyring: ring})
}

// runWorker runs a worker configured by cfg, on its own connection,
// with the tests' lease and drain, until the test ends.
func (b *bus) runWorker(cfg WorkerConfig) *runningWorker {
	b.t.Helper()
	nc := b.conn(cfg.ID)
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("JOBS_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg.Deps.Logger = log
	cfg.NC, cfg.Lease, cfg.Drain, cfg.Logger = nc, testLease, 10*time.Second, log
	w, err := NewWorker(context.Background(), cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rw := &runningWorker{w: w, nc: nc, cancel: cancel, done: make(chan error, 1)}
	go func() { rw.done <- w.Run(ctx) }()
	b.t.Cleanup(func() { _ = rw.stop() })
	return rw
}

// stop drains the worker and waits for Run; it returns Run's error.
func (rw *runningWorker) stop() error {
	rw.cancel()
	rw.once.Do(func() {
		select {
		case rw.err = <-rw.done:
		case <-time.After(20 * time.Second):
			rw.err = errors.New("worker did not stop in 20 s")
		}
	})
	return rw.err
}

func spec(room string) types.Spec {
	return types.Spec{Room: room, Outputs: types.OutputsSpec{RTMP: types.URLs("rtmp://127.0.0.1/app/key-" + room)}}.WithDefaults()
}

func waitJob(t *testing.T, c *Client, id string, within time.Duration, cond func(types.Info) bool) types.Info {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		info, err := c.Get(context.Background(), id)
		if err == nil && cond(info) {
			return info
		}
		if time.Now().After(deadline) {
			if os.Getenv("JOBS_DEBUG") != "" {
				buf := make([]byte, 1<<20)
				t.Logf("%s", buf[:runtime.Stack(buf, true)])
			}
			t.Fatalf("job %s: timed out; last %+v (err %v)", id, info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func active(i types.Info) bool { return i.Status == types.StatusActive }

func TestJobRunsAndStops(t *testing.T) {
	b := newBus(t)
	c := b.client()
	b.worker("w1", 100)
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != types.StatusPending || info.Reason == "" || strings.Contains(info.Outputs.RTMP[0].URL, "key-r1") {
		t.Fatalf("queued job: %+v", info)
	}
	got := waitJob(t, c, info.ID, 5*time.Second, active)
	if got.Worker != "w1" || got.Tenant != "acme" || got.Kind != KindComposite {
		t.Errorf("running job: worker %q tenant %q kind %q", got.Worker, got.Tenant, got.Kind)
	}
	stopped, err := c.Stop(context.Background(), info.ID)
	if err != nil || stopped.Status != types.StatusComplete {
		t.Fatalf("stop: %+v %v", stopped, err)
	}
	waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return i.Status == types.StatusComplete })
	list, err := c.List(context.Background(), types.Filter{Tenant: "acme"})
	if err != nil || len(list) != 1 {
		t.Errorf("list: %d jobs, %v", len(list), err)
	}
	if _, err := c.Update(context.Background(), info.ID, types.Update{AddRTMP: types.URLs("rtmp://x/app/k")}); !errors.Is(err, types.ErrEnded) {
		t.Errorf("update of an ended job: %v, want ErrEnded", err)
	}
}

func TestAdmissionByCost(t *testing.T) {
	b := newBus(t)
	c := b.client()
	b.worker("w1", 20)
	b.worker("w2", 20)
	var ids []string
	for i := range 5 {
		info, err := c.Start(context.Background(), "acme", spec("r"+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	for _, id := range ids[:4] {
		waitJob(t, c, id, 10*time.Second, active)
	}
	fifth := waitJob(t, c, ids[4], 10*time.Second, func(i types.Info) bool {
		return i.Status == types.StatusPending && strings.Contains(i.Reason, "no worker has room")
	})
	t.Logf("fifth job waits: %s", fifth.Reason)
	workers, err := c.Workers(context.Background())
	if err != nil || len(workers) != 2 || workers[0].Load != 20 || workers[1].Load != 20 {
		t.Errorf("workers: %+v %v", workers, err)
	}
	if _, err := c.Stop(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, ids[4], 10*time.Second, active)
}

func TestStopBeforeStart(t *testing.T) {
	b := newBus(t)
	c := b.client()
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := c.Stop(context.Background(), info.ID)
	if err != nil || stopped.Status != types.StatusComplete {
		t.Fatalf("stop of a queued job: %+v %v", stopped, err)
	}
	b.worker("w1", 100)
	// The worker acks the request without running the job.
	waitQueueEmpty(t, c, "the stopped job's request")
	if got, _ := c.Get(context.Background(), info.ID); got.Status != types.StatusComplete || got.Worker != "" {
		t.Errorf("a stopped job ran: %+v", got)
	}
}

// waitQueueEmpty waits up to 5 s for the work queue to be empty.
func waitQueueEmpty(t *testing.T, c *Client, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for queued(t, c) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s is still queued", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queued counts the requests in the work queue.
func queued(t *testing.T, c *Client) uint64 {
	t.Helper()
	st, err := c.js.Stream(context.Background(), StreamRequests)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestFailoverAfterWorkerDies(t *testing.T) {
	b := newBus(t)
	c := b.client()
	a := b.worker("wa", 100)
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return active(i) && i.Worker == "wa" })
	b.worker("wb", 100)
	// wa loses the bus: no heartbeat, no ack. Its lease runs out.
	a.nc.Close()
	died := time.Now()
	got := waitJob(t, c, info.ID, 4*testLease+5*time.Second, func(i types.Info) bool { return active(i) && i.Worker == "wb" })
	t.Logf("taken over by %s %v after wa died (lease %v)", got.Worker, time.Since(died).Round(time.Millisecond), testLease)
}

func TestDrainHandsJobsOver(t *testing.T) {
	b := newBus(t)
	c := b.client()
	a := b.worker("wa", 100)
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return active(i) && i.Worker == "wa" })
	b.worker("wb", 100)
	start := time.Now()
	if err := a.stop(); err != nil {
		t.Fatalf("drained worker returned %v", err)
	}
	got := waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return active(i) && i.Worker == "wb" })
	t.Logf("handed over to %s in %v", got.Worker, time.Since(start).Round(time.Millisecond))
}

func TestDuplicateDeliveryRunsNoSecondPipeline(t *testing.T) {
	b := newBus(t)
	c := b.client()
	b.worker("wa", 100)
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return active(i) && i.Worker == "wa" })
	wb := b.worker("wb", 100)
	// The same request again, as a redelivery or a resent message would be.
	if _, err := c.js.Publish(context.Background(), subjectRequests, []byte(info.ID), jetstream.WithMsgID(info.ID+"-again")); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(3 * testLease); time.Now().Before(end); {
		if _, err := wb.w.mgr.Get(context.Background(), info.ID); err == nil {
			t.Fatal("wb started a second pipeline for a job wa runs")
		}
		if got, _ := c.Get(context.Background(), info.ID); got.Worker != "wa" {
			t.Fatalf("job moved to %q", got.Worker)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := c.Stop(context.Background(), info.ID); err != nil {
		t.Fatal(err)
	}
	// The duplicate is acked once the job has ended.
	waitQueueEmpty(t, c, "the duplicate request")
}

func TestStopMarkedInRecordReachesTheWorker(t *testing.T) {
	b := newBus(t)
	c := b.client()
	b.worker("w1", 100)
	info, err := c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, 5*time.Second, active)
	// What Client.Stop writes when the worker does not answer its
	// control subject (e.g. a NATS hiccup).
	rec, rev, err := c.get(context.Background(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.StopRequested = true
	if _, err := c.jobs.Update(context.Background(), info.ID, mustEncode(t, rec), rev); err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return i.Status == types.StatusComplete })
}

// TestStopOrphanedJobEndsItsRecording: a job whose worker died shows as
// pending; stopping it then ends the recording that worker left open
// and sends the events no worker is left to send.
func TestStopOrphanedJobEndsItsRecording(t *testing.T) {
	b := newBus(t)
	type call struct{ tenant, room, id string }
	var mu sync.Mutex
	var finalized []call
	var events []string
	c, err := NewClient(context.Background(), ClientConfig{
		NC: b.conn("api"), Keyring: testKeyring, Costs: Costs{Transcode: 10, Composite: 10}, Lease: testLease,
		Finalize: func(_ context.Context, tenant, room, id string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			finalized = append(finalized, call{tenant, room, id})
			return true, nil
		},
		Events: func(typ string, info types.Info) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, typ+":"+info.Status)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := c.Start(ctx, "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	// What a worker that ran the job and died leaves in its record.
	rec, rev, err := c.get(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.Started, rec.Info.Status, rec.Info.Worker, rec.Lease = true, types.StatusActive, "dead", time.Now().Add(-time.Second)
	rec.Info.Outputs.Record = &types.RecordInfo{RecordingID: "REC_0123456789abcdef0123", State: types.StateLive}
	if _, err := c.jobs.Update(ctx, info.ID, mustEncode(t, rec), rev); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, info.ID)
	if err != nil || got.Status != types.StatusPending || !strings.Contains(got.Reason, "worker dead stopped renewing its lease") {
		t.Fatalf("orphaned job shows %q (%q), %v; want pending with why", got.Status, got.Reason, err)
	}
	stopped, err := c.Stop(ctx, info.ID)
	if err != nil || stopped.Status != types.StatusComplete || stopped.Outputs.Record.State != types.StateStopped || stopped.Worker != "" {
		t.Fatalf("stop: %+v, %v", stopped, err)
	}
	mu.Lock()
	if want := (call{"acme", "r1", "REC_0123456789abcdef0123"}); len(finalized) != 1 || finalized[0] != want {
		t.Errorf("finalized %+v, want %+v", finalized, want)
	}
	if strings.Join(events, ",") != "egress_ended:complete,recording_ready:complete" {
		t.Errorf("events %v", events)
	}
	mu.Unlock()
	// A job stopped before any worker ran it has no recording to end.
	info2, err := c.Start(ctx, "acme", spec("r2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stop(ctx, info2.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(finalized) != 1 {
		t.Errorf("a job that never ran finalized a recording: %+v", finalized)
	}
}
