package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/s3"
	"github.com/roomcast/roomcast/storage/spool"
	"github.com/roomcast/roomcast/storage/tenantstore"
)

// archiveService is the recordings store, its upload spool and catalog.
type archiveService struct {
	store   storage.Store // routes each tenant's objects (tenantstore)
	shared  storage.Store // the server's own store
	spool   *spool.Spool
	catalog *archive.Catalog
	workDir string
	rawPart time.Duration
	cancel  context.CancelFunc
	done    chan struct{}
	log     *slog.Logger
}

// openArchive opens the configured store and the spool in the data
// directory, starts uploading what an earlier process left there, and
// marks that process's unfinished recordings as interrupted, or merges
// what it left of recordings that other workers continued (through nc).
func openArchive(ctx context.Context, cfg configs.Config, nc *nats.Conn, holder string, resolve tenantstore.Resolve, log *slog.Logger) (*archiveService, error) {
	log = log.With("component", "archive")
	shared, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	// Each tenant's objects go to its own bucket when it has one.
	store := storage.Store(tenantstore.New(shared, resolve, nil, tenantstore.OpenS3(log), log))
	sp, err := spool.Open(filepath.Join(cfg.Data, "spool"), store, spool.Options{
		MaxBytes: cfg.Storage.SpoolMaxBytes, Hold: cfg.Storage.SpoolHold, MaxBackoff: cfg.Storage.SpoolMaxBackoff,
		Group: archive.Group, Logger: log.With("component", "spool"),
	})
	if err != nil {
		return nil, fmt.Errorf("storage spool: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a := &archiveService{
		store: store, shared: shared, spool: sp, catalog: archive.NewCatalog(store),
		workDir: filepath.Join(cfg.Data, "recorder"), rawPart: cfg.Storage.RawPartDuration, cancel: cancel, done: make(chan struct{}), log: log,
	}
	if st := sp.Status(); st.Pending > 0 {
		log.Info("uploading what an earlier run left in the spool", "objects", st.Pending, "bytes", st.PendingBytes)
	}
	left := record.LeftOver(a.workDir, sp, log)
	if left.Len() > 0 {
		rc, err := jobs.NewReconciler(ctx, jobs.ReconcilerConfig{
			NC: nc, Lease: cfg.Worker.Lease, Holder: holder, MergeStored: a.mergeStored, Logger: log,
		})
		if err != nil {
			cancel()
			return nil, err
		}
		left.Reconcile = rc.Reconcile
	}
	go func() {
		defer close(a.done)
		_ = sp.Run(runCtx)
	}()
	go a.recover(runCtx, left)
	return a, nil
}

func openStore(ctx context.Context, cfg configs.Config, log *slog.Logger) (storage.Store, error) {
	if cfg.Storage.Backend != "s3" {
		st, err := local.Open(cfg.RecordingsDir(), log)
		if err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
		return st, nil
	}
	c := cfg.Storage.S3
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := s3.Open(ctx, s3.Config{
		Endpoint: c.Endpoint, Region: c.Region, Bucket: c.Bucket, PathStyle: c.PathStyle,
		AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, CreateBucket: c.CreateBucket,
		AllowUnreachable: true, // a restart during an outage still serves, and spools
	}, log)
	if err != nil {
		return nil, fmt.Errorf("storage s3 (bucket %q at %q): %w", c.Bucket, c.Endpoint, err)
	}
	return st, nil
}

func (a *archiveService) recover(ctx context.Context, left *record.Recovery) {
	if left.Len() > 0 {
		a.log.Info("marking recordings of an earlier run interrupted once the spool is uploaded", "recordings", left.Len())
	}
	if err := left.Run(ctx, a.spool, a.spool, a.catalog); err != nil && ctx.Err() == nil {
		a.log.Warn("recovery of interrupted recordings", "err", err)
	}
}

// interruptRecording is jobs.ClientConfig.Finalize: it ends the
// recording of a job stopped while no worker ran it. It writes the store
// at once (under the recording's lock), not through the spool, so that a
// later writer under the lock reads what it wrote.
func (a *archiveService) interruptRecording(ctx context.Context, tenant, room, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return record.Interrupt(ctx, tenant, room, id,
		"the job was stopped while it waited for a worker to take it over; every segment stored is kept",
		storeWriter{ctx, a.store}, a.catalog)
}

// mergeStored is jobs.ReconcilerConfig.MergeStored.
func (a *archiveService) mergeStored(ctx context.Context, tenant, room, id string, o archive.Orphans) error {
	m, err := a.catalog.Manifest(ctx, tenant, room, id)
	if err != nil {
		return err
	}
	if !m.Ended() {
		return fmt.Errorf("recording %s is still being finished by its last writer", id)
	}
	if _, err := m.MergeOrphans(o); err != nil {
		return err
	}
	return record.WriteManifest(m, storeWriter{ctx, a.store})
}

// storeWriter writes objects to the store at once.
type storeWriter struct {
	ctx   context.Context
	store storage.Store
}

func (w storeWriter) Enqueue(key string, data []byte) error {
	return w.store.Put(w.ctx, key, bytes.NewReader(data), int64(len(data)))
}

// newRecording is egress.Deps.NewRecording. It refuses to start when the
// store rejects the credentials or the bucket is gone; a store that is
// merely unreachable does not stop a recording, whose segments wait in
// the spool.
func (a *archiveService) newRecording(p egress.RecordingParams) (*record.Recording, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.store.List(ctx, p.Tenant+"/", "", 1); errors.Is(err, storage.ErrAccess) {
		return nil, fmt.Errorf("storage unusable: %w", err)
	}
	var resume *archive.Manifest
	if p.Resume {
		m, err := a.catalog.Manifest(ctx, p.Tenant, p.Room, p.ID)
		switch {
		case errors.Is(err, archive.ErrNotFound):
			// The first owner died before its first manifest was stored.
		case err != nil:
			return nil, fmt.Errorf("resume recording %s: %w", p.ID, err)
		case m.Ended():
			return nil, fmt.Errorf("resume recording %s: it has ended (%s)", p.ID, m.Status)
		default:
			resume = m
		}
	}
	return record.Start(record.Config{
		Resume: resume,
		ID:     p.ID, Tenant: p.Tenant, Room: p.Room, Egress: p.Egress,
		SegmentDuration: time.Duration(p.Spec.SegmentSeconds * float64(time.Second)),
		Raw:             p.Spec.Tracks == types.RecordTracksRaw, RawPartDuration: a.rawPart,
		Spool: a.spool, WorkDir: a.workDir, Logger: p.Logger,
	})
}

// recordRoom is egress.Deps.RecordRoom: a new recording waits while the
// spool is low (less than storage.spool_hold or 10 % left) or full.
func (a *archiveService) recordRoom() error {
	st := a.spool.Status()
	switch {
	case st.Low != "":
		return errors.New(st.Low)
	case st.Full && st.FullError != nil:
		return st.FullError
	}
	return nil
}

// close waits up to timeout for pending uploads, then stops the spool;
// what is left stays on disk for the next start.
func (a *archiveService) close(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := a.spool.Flush(ctx); err != nil {
		a.log.Warn("uploads left in the spool for the next start", "err", err)
	}
	a.cancel()
	<-a.done
	for _, st := range []storage.Store{a.store, a.shared} {
		if c, ok := st.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	}
}

// registerMetrics exports the spool's state.
func (a *archiveService) registerMetrics(reg prometheus.Registerer) {
	gauge := func(name, help string, f func(spool.Status) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(a.spool.Status()) })
	}
	reg.MustRegister(
		gauge("roomcast_spool_pending_objects", "Objects waiting in the spool for upload.", func(s spool.Status) float64 { return float64(s.Pending) }),
		gauge("roomcast_spool_pending_bytes", "Bytes waiting in the spool for upload.", func(s spool.Status) float64 { return float64(s.PendingBytes) }),
		gauge("roomcast_spool_degraded", "1 while uploads to storage are failing.", func(s spool.Status) float64 {
			if s.Degraded {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roomcast_spool_uploaded_total", Help: "Objects uploaded to storage."},
			func() float64 { return float64(a.spool.Status().Uploaded) }),
		gauge("roomcast_spool_limit_bytes", "The spool's size limit: storage.spool_max_bytes, or less when the disk has less free.",
			func(s spool.Status) float64 { return float64(s.Limit) }),
		gauge("roomcast_spool_input_bytes_per_second", "The recordings' input into the spool over the last minute.",
			func(s spool.Status) float64 { return s.Rate }),
		gauge("roomcast_spool_seconds_left", "How long the spool can still take the recordings at their current rate (-1: no input).",
			func(s spool.Status) float64 { return s.HoldLeft.Seconds() }),
		gauge("roomcast_spool_low", "1 while new recordings wait for spool room.", func(s spool.Status) float64 {
			if s.Low != "" || s.Full {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roomcast_spool_evicted_total", Help: "Raw track parts evicted from the full spool."},
			func() float64 { return float64(a.spool.Status().Evicted) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "roomcast_spool_refused_total", Help: "Objects refused by the full spool (dropped)."},
			func() float64 { return float64(a.spool.Status().Refused) }),
	)
}
