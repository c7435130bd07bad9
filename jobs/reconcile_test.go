package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/storage/archive"
)

// reconcileFixture is a job whose recording a killed worker left
// orphans of, and a Reconciler whose merges into the store it records.
type reconcileFixture struct {
	c      *Client
	r      *Reconciler
	id     string
	stored *archive.Manifest
	o      archive.Orphans
	mu     sync.Mutex
	merged []string
}

func newReconcileFixture(t *testing.T, b *bus) *reconcileFixture {
	t.Helper()
	f := &reconcileFixture{c: b.client()}
	info, err := f.c.Start(context.Background(), "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	f.id = info.ID
	f.stored = &archive.Manifest{Summary: archive.Summary{ID: "REC_0123456789abcdef0123", Tenant: "acme", Room: "r1", Egress: info.ID}}
	f.o = archive.Orphans{Segments: []archive.Segment{{File: archive.File{Name: "seg-000003.m4s"}, Sequence: 3, Init: "init-0.mp4"}}}
	f.r, err = NewReconciler(context.Background(), ReconcilerConfig{
		NC: b.conn("restarted"), Lease: testLease, Holder: "w-restarted",
		MergeStored: func(_ context.Context, tenant, room, id string, o archive.Orphans) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.merged = append(f.merged, tenant+"/"+room+"/"+id)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// setJob rewrites the job's record.
func (f *reconcileFixture) setJob(t *testing.T, change func(*Record)) {
	t.Helper()
	rec, rev, err := f.c.get(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	change(rec)
	if _, err := f.c.jobs.Update(context.Background(), f.id, mustEncode(t, rec), rev); err != nil {
		t.Fatal(err)
	}
}

func (f *reconcileFixture) mergedStored() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.merged...)
}

func TestReconcileThroughTheOwner(t *testing.T) {
	b := newBus(t)
	f := newReconcileFixture(t, b)
	f.setJob(t, func(r *Record) {
		r.Info.Status, r.Info.Worker, r.Lease = types.StatusActive, "wb", time.Now().Add(time.Minute)
	})
	owner := b.conn("wb")
	got := make(chan Control, 1)
	if _, err := owner.Subscribe(subjectControl+f.id, func(m *nats.Msg) {
		c, err := parseControl(m.Data)
		if err != nil {
			t.Errorf("owner got %s: %v", m.Data, err)
		}
		got <- c
		b, _ := json.Marshal(controlReply{})
		_ = m.Respond(b)
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.r.Reconcile(ctx, f.stored, f.o); err != nil {
		t.Fatal(err)
	}
	c := <-got
	if c.Op != "orphans" || c.Orphans == nil || len(c.Orphans.Segments) != 1 || c.Orphans.Segments[0].Name != "seg-000003.m4s" {
		t.Errorf("the owner got %+v", c)
	}
	if m := f.mergedStored(); len(m) != 0 {
		t.Errorf("merged into the store too, while an owner runs the job: %v", m)
	}
}

// TestReconcileWaitsForTheEnd: while the job waits for a worker nobody
// writes its recording; once it is stopped, the reconciler merges into
// the ended recording itself, under the recording's lock.
func TestReconcileWaitsForTheEnd(t *testing.T) {
	b := newBus(t)
	f := newReconcileFixture(t, b)
	f.setJob(t, func(r *Record) {
		r.Started, r.Info.Status, r.Info.Worker, r.Lease = true, types.StatusActive, "dead", time.Now().Add(-time.Second)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.r.Reconcile(ctx, f.stored, f.o) }()
	// Another writer (the API ending a recording) holds the lock a while.
	held := make(chan struct{})
	release := make(chan struct{})
	go func() {
		_ = withRecordingLock(ctx, f.c.locks, f.stored.ID, "api", func(context.Context) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	select {
	case err := <-done:
		t.Fatalf("reconciled while the job waited for a worker: %v", err)
	case <-time.After(2 * testLease):
	}
	if _, err := f.c.Stop(ctx, f.id); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("reconciled while another writer held the lock: %v", err)
	case <-time.After(testLease):
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("no reconcile after the job ended")
	}
	if m := f.mergedStored(); len(m) != 1 || m[0] != "acme/r1/REC_0123456789abcdef0123" {
		t.Errorf("merged %v", m)
	}
	if _, err := f.c.locks.Get(ctx, "recording."+f.stored.ID); err == nil {
		t.Error("the lock outlived the merge")
	}
}

func TestReconcileStopsWithItsContext(t *testing.T) {
	b := newBus(t)
	f := newReconcileFixture(t, b)
	f.setJob(t, func(r *Record) {
		r.Info.Status, r.Info.Worker, r.Lease = types.StatusActive, "dead", time.Now().Add(-time.Second)
	})
	ctx, cancel := context.WithTimeout(context.Background(), testLease)
	defer cancel()
	if err := f.r.Reconcile(ctx, f.stored, f.o); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Reconcile: %v, want the context's end", err)
	}
}

// TestDeadWorkerDetectedBeforeItsLease: a worker whose NATS connection
// goes away loses its jobs to a live peer in about a second, well before
// its lease would have run out.
func TestDeadWorkerDetectedBeforeItsLease(t *testing.T) {
	const lease = 4 * time.Second
	b := newBus(t)
	ctx := context.Background()
	c, err := NewClient(ctx, ClientConfig{NC: b.conn("api"), Keyring: testKeyring, Costs: Costs{Transcode: 10, Composite: 10}, Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	start := func(id string) (*nats.Conn, func()) {
		nc := b.conn(id)
		w, err := NewWorker(ctx, WorkerConfig{ID: id, Capacity: 100, NC: nc, Keyring: testKeyring, Deps: testDeps(), Lease: lease, Drain: 5 * time.Second,
			Meter: NewCPUMeter(MeterConfig{ProcessCPU: realtimeCPU(0)})})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = w.Run(wctx) }()
		return nc, func() { cancel(); <-done }
	}
	ncA, stopA := start("wa")
	defer stopA()
	info, err := c.Start(ctx, "acme", spec("r1"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, info.ID, 5*time.Second, func(i types.Info) bool { return active(i) && i.Worker == "wa" })
	_, stopB := start("wb")
	defer stopB()
	// wb judges no peer during its first lease on the bus: wait it out.
	startedB := time.Now()
	waitJob(t, c, info.ID, 3*lease, func(i types.Info) bool {
		return time.Since(startedB) > lease+watchEvery && active(i) && i.Worker == "wa"
	})
	ncA.Close()
	died := time.Now()
	got := waitJob(t, c, info.ID, 2*lease, func(i types.Info) bool { return active(i) && i.Worker == "wb" })
	took := time.Since(died)
	t.Logf("taken over by %s %v after wa lost NATS (lease %v)", got.Worker, took.Round(time.Millisecond), lease)
	if took >= lease-time.Second {
		t.Errorf("taken over after %v: the lease (%v) ran out first", took, lease)
	}
}
