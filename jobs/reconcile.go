package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/storage/archive"
)

// BucketLocks holds short-lived locks: the writer of a recording's
// manifest when no worker runs its job (a recording ended by the API, or
// orphans merged into it).
const BucketLocks = "roomcast_locks"

// lockTTL bounds how long a lock outlives a holder that died.
const lockTTL = time.Minute

// withRecordingLock runs fn while holding the lock of recording id, so
// that two writers of a recording that no worker owns (the API ending
// it, a restarted worker merging what it left) never race. It waits for
// a held lock until ctx ends.
func withRecordingLock(ctx context.Context, kv jetstream.KeyValue, id, holder string, fn func(context.Context) error) error {
	key := "recording." + id
	for {
		rev, err := kv.Create(ctx, key, []byte(holder))
		if err == nil {
			defer func() {
				dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				_ = kv.Delete(dctx, key, jetstream.LastRevision(rev))
			}()
			fctx, cancel := context.WithTimeout(ctx, lockTTL/2)
			defer cancel()
			return fn(fctx)
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return busErr("lock recording", err)
		}
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("lock recording %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// addOrphans is the owner's side of a reconcile: its job's recording
// takes what the killed recorder left.
func (w *Worker) addOrphans(id string, o archive.Orphans) (types.Info, error) {
	res, err := w.mgr.AddOrphans(id, o)
	if errors.Is(err, record.ErrEnded) || errors.Is(err, types.ErrNotFound) {
		return types.Info{}, fmt.Errorf("%w: %w", types.ErrEnded, err)
	}
	if err != nil {
		return types.Info{}, err
	}
	w.log.Info("merged a killed recorder's segments", "egress", id, "segments", res.Segments, "raw", res.Raw)
	return w.mgr.Get(context.Background(), id)
}

// ReconcilerConfig configures a Reconciler.
type ReconcilerConfig struct {
	NC    *nats.Conn
	Lease time.Duration // default DefaultLease
	// Holder names this process in the locks it takes.
	Holder string
	// MergeStored reads the stored manifest of recording id, which no
	// worker writes any more, merges o into it and writes it back (at
	// once, not through a spool). It fails while the manifest does not
	// say the recording ended yet (its last writer's final manifest is
	// still on its way), to be tried again.
	MergeStored func(ctx context.Context, tenant, room, id string, o archive.Orphans) error
	Logger      *slog.Logger
}

// Reconciler hands the orphans a restarted worker found (segments its
// killed recorder closed but never listed in a recording that another
// worker continued, or that was ended without it) to whoever writes that
// recording's manifest: the worker that owns its job, or, when no worker
// does, itself under the recording's lock. Only one writer ever writes a
// manifest.
type Reconciler struct {
	cfg   ReconcilerConfig
	bus   busHandles
	log   *slog.Logger
	retry time.Duration
}

// NewReconciler opens the bus for a Reconciler.
func NewReconciler(ctx context.Context, cfg ReconcilerConfig) (*Reconciler, error) {
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	bus, err := open(ctx, cfg.NC, cfg.Lease)
	if err != nil {
		return nil, err
	}
	return &Reconciler{cfg: cfg, bus: bus, log: cfg.Logger, retry: cfg.Lease / 2}, nil
}

// Reconcile merges o into recording stored (as the store has it) and
// returns once it is merged, or ctx ends. While the recording's job
// waits for a worker, it waits too.
func (r *Reconciler) Reconcile(ctx context.Context, stored *archive.Manifest, o archive.Orphans) error {
	for {
		done, err := r.try(ctx, stored, o)
		if done || err != nil {
			return err
		}
		t := time.NewTimer(r.retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("reconcile %s: %w", stored.ID, ctx.Err())
		case <-t.C:
		}
	}
}

// try merges once: through the job's owner, or under the lock when the
// job has ended. It reports false to be called again later.
func (r *Reconciler) try(ctx context.Context, stored *archive.Manifest, o archive.Orphans) (bool, error) {
	rec, err := r.job(ctx, stored.Egress)
	if err != nil {
		r.log.Warn("reconcile: read job", "egress", stored.Egress, "err", err)
		return false, nil
	}
	if rec != nil && rec.Info.Active() {
		return r.toOwner(ctx, stored.Egress, o)
	}
	err = withRecordingLock(ctx, r.bus.locks, stored.ID, r.cfg.Holder, func(ctx context.Context) error {
		return r.cfg.MergeStored(ctx, stored.Tenant, stored.Room, stored.ID, o)
	})
	if err != nil {
		r.log.Warn("reconcile: merge into the ended recording", "recording", stored.ID, "err", err)
		return false, nil
	}
	return true, nil
}

// job reads the recording's job; nil when it is gone (ended long ago).
func (r *Reconciler) job(ctx context.Context, id string) (*Record, error) {
	if !jobIDRe.MatchString(id) {
		return nil, nil
	}
	e, err := r.bus.jobs.Get(ctx, id)
	if isMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, busErr("read job", err)
	}
	// Only the job's state matters here: no keyring, its secrets stay
	// sealed.
	return decodeRecord(e.Value(), nil)
}

// toOwner asks the worker running job id to merge o; false when nobody
// runs it now (it waits to be taken over) or it just ended.
func (r *Reconciler) toOwner(ctx context.Context, id string, o archive.Orphans) (bool, error) {
	body, _ := json.Marshal(Control{Op: "orphans", Orphans: &o})
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	msg, err := r.cfg.NC.RequestWithContext(rctx, subjectControl+id, body)
	if err != nil {
		if !errors.Is(err, nats.ErrNoResponders) {
			r.log.Warn("reconcile: ask the owner", "egress", id, "err", err)
		}
		return false, nil
	}
	var rep controlReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return false, nil
	}
	switch rep.Code {
	case "":
		return true, nil
	case "ended", "not_found":
		r.log.Info("reconcile: the owner did not merge", "egress", id, "reason", rep.Error)
		return false, nil
	}
	return true, fmt.Errorf("reconcile: the owner of %s refused the orphans: %s", id, rep.Error)
}
