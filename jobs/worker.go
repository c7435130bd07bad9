package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs/seal"
)

// EventSink receives a job's transitions for webhooks: typ is one of
// egress_started, egress_updated, egress_ended, recording_ready.
type EventSink func(typ string, info types.Info)

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	// ID names the worker (letters, digits, '-', '_', '.'); its jobs
	// show it.
	ID string
	// Capacity is how much job cost the worker runs at once (default
	// DefaultCapacity).
	Capacity int
	NC       *nats.Conn
	// Deps builds the jobs' pipelines; OnChange is set by the worker.
	Deps  egress.Deps
	Lease time.Duration // default DefaultLease
	// Drain bounds the handover of every job when Run's ctx ends
	// (default 30 s).
	Drain time.Duration
	// EndOnStop ends the jobs (complete) instead of handing them over when
	// Run's ctx ends: for the all-in-one server, where no other worker
	// can take them.
	EndOnStop bool
	Events    EventSink // nil: no events
	// Keyring opens the secrets of the job records (their RTMP targets)
	// and seals them again; it must be the clients' keyring (a job whose
	// secrets do not open with it fails, saying so). Required.
	Keyring *seal.Keyring
	// Meter measures the jobs' CPU; the workers of one process share
	// one (nil: the worker makes its own).
	Meter  *CPUMeter
	Logger *slog.Logger
}

var workerIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Worker pulls egress jobs from the bus while it has room, runs them,
// keeps their records and leases fresh, obeys stop and update commands,
// and hands its jobs over when it stops.
type Worker struct {
	cfg     WorkerConfig
	js      jetstream.JetStream
	jobs    jetstream.KeyValue
	workers jetstream.KeyValue
	cons    jetstream.Consumer
	mgr     *egress.Manager
	meter   *CPUMeter
	log     *slog.Logger
	started time.Time

	syncMu sync.Mutex // one record write at a time: owned fields are its

	mu          sync.Mutex
	connectedAt time.Time // last (re)connection to NATS
	owned       map[string]*owned
	load        int // the sum of the owned jobs' prices
	draining    bool
	dirty       map[string]bool
	wake        chan struct{} // a job changed
	freed       chan struct{} // a job ended
}

// owned is a job this worker runs.
type owned struct {
	msg jetstream.Msg
	rec *Record // as last written
	rev uint64
	// kind and cost are the job's class and price now (cost only rises:
	// a layout change or a measurement over it raises it); measured is
	// its CPU as the meter last saw it. Under Worker.mu.
	kind     string
	cost     int
	measured float64
	sub      *nats.Subscription
	fresh    bool // not started anywhere before this worker
	states   map[string]types.State
	status   string
	stopped  chan struct{} // closed once finished here
}

// NewWorker connects a worker to the bus.
func NewWorker(ctx context.Context, cfg WorkerConfig) (*Worker, error) {
	if !workerIDRe.MatchString(cfg.ID) {
		return nil, fmt.Errorf("worker id %q: want letters, digits, '-', '_' or '.' (1-64)", cfg.ID)
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCapacity()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Meter == nil {
		cfg.Meter = NewCPUMeter(MeterConfig{})
	}
	if cfg.Keyring == nil {
		return nil, errNoKeyring
	}
	cfg.Events = redactedEvents(cfg.Events)
	bus, err := open(ctx, cfg.NC, cfg.Lease)
	if err != nil {
		return nil, err
	}
	cons, err := bus.js.Consumer(ctx, StreamRequests, consumerWorkers)
	if err != nil {
		return nil, busErr("consumer", err)
	}
	w := &Worker{
		cfg: cfg, js: bus.js, jobs: bus.jobs, workers: bus.workers, cons: cons, meter: cfg.Meter, started: time.Now().UTC(),
		log: cfg.Logger.With("worker", cfg.ID), owned: map[string]*owned{}, dirty: map[string]bool{},
		wake: make(chan struct{}, 1), freed: make(chan struct{}, 1),
	}
	w.connectedAt = time.Now()
	cfg.NC.SetReconnectHandler(func(*nats.Conn) {
		w.mu.Lock()
		w.connectedAt = time.Now()
		w.mu.Unlock()
		w.log.Info("reconnected to NATS")
	})
	deps := cfg.Deps
	deps.OnChange = func(i types.Info) { w.markDirty(i.ID) }
	w.mgr = egress.NewManager(deps)
	return w, nil
}

// Manager is the worker's job runner (for metrics).
func (w *Worker) Manager() *egress.Manager { return w.mgr }

// Run takes and runs jobs until ctx ends, then drains: it takes no more
// jobs and hands every running one over to the other workers, within
// Drain. It returns nil after a drain.
func (w *Worker) Run(ctx context.Context) error {
	bg, stop := context.WithCancel(context.Background())
	alive, err := w.answerAlive()
	if err != nil {
		stop()
		return busErr("liveness subject", err)
	}
	defer func() { _ = alive.Unsubscribe() }()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); w.heartbeat(bg) }()
	go func() { defer wg.Done(); w.syncer(bg) }()
	go func() { defer wg.Done(); w.watchPeers(bg) }()
	w.log.Info("worker taking jobs", "capacity", w.cfg.Capacity)
	w.fetchLoop(ctx)
	w.drain()
	stop()
	wg.Wait()
	w.mgr.Close()
	dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = w.workers.Delete(dctx, w.cfg.ID)
	return nil
}

// fetchLoop pulls one request at a time until ctx ends.
func (w *Worker) fetchLoop(ctx context.Context) {
	for ctx.Err() == nil {
		if w.free() <= 0 {
			// Full: look at the queue only now and then, to tell waiting
			// jobs why they wait.
			select {
			case <-ctx.Done():
				return
			case <-w.freed:
			case <-time.After(2 * time.Second):
			}
		}
		batch, err := w.cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("fetch jobs", "err", err)
				sleepCtx(ctx, time.Second)
			}
			continue
		}
		for msg := range batch.Messages() {
			w.consider(ctx, msg)
		}
	}
}

// free is the capacity left: capacity less the larger of the jobs'
// prices and their measured CPU.
func (w *Worker) free() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg.Capacity - w.used()
}

// used is the larger of the jobs' prices and their measured CPU. Called
// with w.mu held.
func (w *Worker) used() int {
	return max(w.load, int(math.Ceil(w.measuredCPU())))
}

// measuredCPU is the sum of the jobs' measured CPU. Called with w.mu held.
func (w *Worker) measuredCPU() float64 {
	var sum float64
	for _, o := range w.owned {
		sum += o.measured
	}
	return sum
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// consider decides about one delivered request: take the job, leave it
// to its live owner, or put it back for a worker with room.
func (w *Worker) consider(ctx context.Context, msg jetstream.Msg) {
	id := string(msg.Data())
	if !jobIDRe.MatchString(id) {
		w.log.Warn("dropping a malformed job request", "bytes", len(msg.Data()))
		_ = msg.Term()
		return
	}
	entry, err := w.jobs.Get(ctx, id)
	if isMissing(err) {
		_ = msg.Term()
		return
	}
	if err != nil {
		_ = msg.NakWithDelay(time.Second)
		return
	}
	rec, err := decodeRecord(entry.Value(), w.cfg.Keyring)
	if err != nil {
		w.log.Warn("dropping a job with an unreadable record", "egress", id, "err", err)
		_ = msg.Term()
		return
	}
	if !rec.Info.Active() || rec.StopRequested {
		_ = msg.Ack() // stopped before anyone ran it
		return
	}
	if w.redelivered(id, msg) {
		return
	}
	if wait := w.ownerMayLive(rec); wait > 0 {
		// A duplicate delivery, or the bus just came back: the owner may
		// be alive and about to renew its lease.
		_ = msg.NakWithDelay(wait)
		return
	}
	if err := rec.sealed(); err != nil {
		w.failSealed(ctx, msg, rec, entry.Revision(), err)
		return
	}
	w.mu.Lock()
	free, draining := w.cfg.Capacity-w.used(), w.draining
	prices, measured, idle := w.load, w.measuredCPU(), len(w.owned) == 0
	w.mu.Unlock()
	if draining {
		_ = msg.Nak()
		return
	}
	// An idle worker takes even a job priced over its whole capacity: the
	// price is what the job may reach, and no worker could take it
	// otherwise; alone on the worker, it is measured like any other.
	if rec.Cost > free && !idle {
		w.noRoom(ctx, id, rec, entry.Revision(), roomLeft{free: free, prices: prices, measured: measured})
		_ = msg.NakWithDelay(2 * time.Second)
		return
	}
	if reason := w.noRecordRoom(rec); reason != "" {
		w.keepPending(ctx, id, rec, entry.Revision(), reason)
		_ = msg.NakWithDelay(2 * time.Second)
		return
	}
	w.claim(ctx, msg, rec, entry.Revision())
}

// ownerMayLive is how long to leave a job to its recorded owner: until
// its lease ends, and, right after this worker (re)connected to NATS,
// one more lease, so that owners coming back from a bus outage renew
// theirs before anyone takes their jobs.
func (w *Worker) ownerMayLive(rec *Record) time.Duration {
	if rec.Info.Worker == "" || rec.Info.Worker == w.cfg.ID {
		return 0
	}
	w.mu.Lock()
	settled := w.connectedAt.Add(w.cfg.Lease)
	w.mu.Unlock()
	until := rec.Lease
	if settled.After(until) {
		until = settled
	}
	if d := time.Until(until); d > 0 {
		return d + 200*time.Millisecond
	}
	return 0
}

// redelivered keeps the newest delivery of a job this worker runs.
func (w *Worker) redelivered(id string, msg jetstream.Msg) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if o := w.owned[id]; o != nil {
		if !sameMsg(o.msg, msg) {
			// A second request for the job (queued again when its last
			// owner died): one is enough.
			_ = o.msg.Ack()
		}
		o.msg = msg
		return true
	}
	return false
}

// sameMsg reports whether a and b are deliveries of one stream message.
func sameMsg(a, b jetstream.Msg) bool {
	ma, errA := a.Metadata()
	mb, errB := b.Metadata()
	return errA == nil && errB == nil && ma.Sequence.Stream == mb.Sequence.Stream
}

// roomLeft is what a worker has free, and why.
type roomLeft struct {
	free, prices int
	measured     float64
}

// noRoom records why a job waits.
func (w *Worker) noRoom(ctx context.Context, id string, rec *Record, rev uint64, r roomLeft) {
	reason := fmt.Sprintf("no worker has room: the job costs %d, worker %s has %d of %d free (its jobs are priced %d and measured at %.0f)",
		rec.Cost, w.cfg.ID, max(r.free, 0), w.cfg.Capacity, r.prices, r.measured)
	w.keepPending(ctx, id, rec, rev, reason)
}

// noRecordRoom says why this worker cannot start a new job's recording
// (its spool is low or full); empty when it can. A job taken over from
// another worker goes on with its recording: refusing it would lose more.
func (w *Worker) noRecordRoom(rec *Record) string {
	check := w.cfg.Deps.RecordRoom
	if check == nil || rec.Spec.Outputs.Record == nil || rec.Started {
		return ""
	}
	if err := check(); err != nil {
		return fmt.Sprintf("worker %s cannot start a recording: %v", w.cfg.ID, err)
	}
	return ""
}

// keepPending records why a job waits.
func (w *Worker) keepPending(ctx context.Context, id string, rec *Record, rev uint64, reason string) {
	if rec.Info.Reason == reason {
		return
	}
	rec.Info.Reason = reason
	b, err := rec.encode(w.cfg.Keyring)
	if err != nil {
		w.log.Warn("update waiting job", "egress", id, "err", err)
		return
	}
	if _, err := w.jobs.Update(ctx, id, b, rev); err != nil && !isConflict(err) {
		w.log.Warn("update waiting job", "egress", id, "err", err)
	}
}

func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// claim takes a job: the record names this worker (compare-and-set, so
// two workers never both run it), then the pipeline starts.
func (w *Worker) claim(ctx context.Context, msg jetstream.Msg, rec *Record, rev uint64) {
	id := rec.Info.ID
	resume := rec.Started
	rec.Info.Worker, rec.Info.Reason, rec.Lease, rec.Started = w.cfg.ID, "", time.Now().Add(w.cfg.Lease).UTC(), true
	b, err := rec.encode(w.cfg.Keyring)
	if err != nil {
		w.log.Error("claim job", "egress", id, "err", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	newRev, err := w.jobs.Update(ctx, id, b, rev)
	if err != nil {
		_ = msg.NakWithDelay(time.Second) // someone else changed it first
		return
	}
	o := &owned{msg: msg, rec: rec, rev: newRev, fresh: !resume, states: map[string]types.State{}, status: rec.Info.Status, stopped: make(chan struct{}),
		kind: rec.Info.Kind, cost: rec.Cost, measured: rec.Info.MeasuredCPU}
	w.mu.Lock()
	w.owned[id] = o
	w.load += rec.Cost
	w.mu.Unlock()
	w.meter.Add(id, w.workOf(id))
	sub, err := w.cfg.NC.Subscribe(subjectControl+id, func(m *nats.Msg) { go w.handleControl(id, m) })
	if err == nil {
		o.sub = sub
	}
	p := egress.JobParams{ID: id, Tenant: rec.Tenant, Spec: rec.Spec, CreatedAt: rec.Info.CreatedAt, Resume: resume}
	if r := rec.Info.Outputs.Record; r != nil {
		p.RecordingID = r.RecordingID
	}
	w.log.Info("took job", "egress", id, "room", rec.Spec.Room, "cost", rec.Cost, "resume", resume)
	if _, err := w.mgr.StartJob(ctx, p); err != nil {
		w.log.Error("start job", "egress", id, "err", err)
		w.fail(id, err)
	}
}

// failSealed ends a job whose secrets this worker cannot open (its
// keyring is not the one that sealed them, or the record was altered):
// no worker with this keyring could run it, and a job that waits for
// ever helps no one. The job fails saying why (never with a URL), its
// events fire, and the request is acked. The worker goes on.
func (w *Worker) failSealed(ctx context.Context, msg jetstream.Msg, rec *Record, rev uint64, cause error) {
	id := rec.Info.ID
	w.log.Error("cannot open a job's sealed RTMP targets: is secret_key (ROOMCAST_SECRET_KEY) the same on every node?",
		"egress", id, "err", cause)
	now := time.Now().UTC()
	rec.Info.Status, rec.Info.EndedAt = types.StatusFailed, &now
	rec.Info.Error = fmt.Sprintf("worker %s could not run the job: %v", w.cfg.ID, cause)
	rec.Info.Reason, rec.Info.Worker, rec.Lease = "", "", time.Time{}
	for i := range rec.Info.Outputs.RTMP {
		rec.Info.Outputs.RTMP[i].State = types.StateFailed
	}
	if r := rec.Info.Outputs.Record; r != nil && r.State != types.StateStopped {
		r.State = types.StateFailed
	}
	b, err := rec.encode(w.cfg.Keyring)
	if err == nil {
		_, err = w.jobs.Update(ctx, id, b, rev)
	}
	if err != nil {
		_ = msg.NakWithDelay(time.Second) // changed meanwhile: look again
		return
	}
	_ = msg.Ack()
	if w.cfg.Events != nil {
		w.cfg.Events("egress_ended", rec.info())
	}
}

// fail ends a job this worker could not start.
func (w *Worker) fail(id string, cause error) {
	w.mu.Lock()
	o := w.owned[id]
	w.mu.Unlock()
	if o == nil {
		return
	}
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	now := time.Now().UTC()
	rec := *o.rec
	rec.Info.Status, rec.Info.Error, rec.Info.EndedAt = types.StatusFailed, cause.Error(), &now
	w.write(context.Background(), id, o, &rec)
	w.release(id, o, false)
}

// workOf returns the codec time job id has spent so far, for the meter.
func (w *Worker) workOf(id string) func() time.Duration {
	return func() time.Duration {
		info, err := w.mgr.Get(context.Background(), id)
		if err != nil {
			return 0 // not started yet, or gone
		}
		return time.Duration((info.EncodeSeconds + info.DecodeSeconds) * float64(time.Second))
	}
}
