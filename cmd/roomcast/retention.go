package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/storage/archive"
)

// retention deletes each tenant's recordings older than its retention
// days, and says so to the tenant's webhooks (recording_deleted).
type retention struct {
	tenants func() []tenants.Tenant
	catalog *archive.Catalog
	emit    func(webhook.Event) error
	now     func() time.Time
	day     time.Duration // 24 h; shorter in tests
	log     *slog.Logger
}

// run sweeps every interval until ctx ends.
func (r *retention) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep deletes what is past retention, tenant by tenant; a tenant's
// failure (its store down) leaves the rest for the next sweep.
func (r *retention) sweep(ctx context.Context) int {
	n := 0
	for _, t := range r.tenants() {
		days := t.Settings.Quotas.RetentionDays
		if days <= 0 {
			continue
		}
		cutoff := r.now().Add(-time.Duration(days) * r.day)
		err := r.catalog.Expired(ctx, t.ID, cutoff, func(m *archive.Manifest) error {
			if err := r.catalog.Delete(ctx, t.ID, m.ID); err != nil {
				return err
			}
			n++
			r.log.Info("recording deleted: past the tenant's retention", "tenant", t.ID, "recording", m.ID, "room", m.Room, "retention_days", days)
			r.notify(t.ID, m, days)
			return nil
		})
		if err != nil && ctx.Err() == nil {
			r.log.Warn("retention sweep: tenant left for the next sweep", "tenant", t.ID, "err", err)
		}
	}
	return n
}

// deletedData is the data of a recording_deleted event.
type deletedData struct {
	archive.Summary
	Reason        string `json:"reason"`
	RetentionDays int    `json:"retention_days"`
}

func (r *retention) notify(tenant string, m *archive.Manifest, days int) {
	ev, err := webhook.NewEvent(webhook.RecordingDeleted, tenant, m.Egress, deletedData{m.Summary, "retention", days})
	if err == nil {
		err = r.emit(ev)
	}
	if err != nil {
		r.log.Error("recording_deleted event lost", "tenant", tenant, "recording", m.ID, "err", err)
	}
}

// runBackground runs f in a goroutine until the returned stop, which
// waits for it.
func runBackground(f func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ctx)
	}()
	return func() { cancel(); <-done }
}
