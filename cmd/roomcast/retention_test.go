package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
)

// putRecording stores a complete recording of tenant that ended at end.
func putRecording(t *testing.T, st storage.Store, tenant string, end time.Time) *archive.Manifest {
	t.Helper()
	start := end.Add(-time.Minute)
	m := &archive.Manifest{Version: archive.ManifestVersion, Summary: archive.Summary{
		ID: archive.NewID(start), Tenant: tenant, Room: "r", Egress: "EG_TEST", Status: archive.StatusComplete,
		StartedAt: start, EndedAt: &end, UpdatedAt: end, Participants: []archive.Participant{},
	}, Inits: []archive.File{}, Segments: []archive.Segment{}, Discontinuities: []archive.Discontinuity{}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for key, body := range map[string][]byte{
		archive.Key(tenant, "r", m.ID, archive.ManifestName): b,
		archive.IndexEntryKey(tenant, "r", m.ID):             archive.IndexBody(m),
	} {
		if err := st.Put(ctx, key, bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestRetentionSweep: recordings older than their tenant's retention go,
// each with a recording_deleted event for that tenant; a tenant without
// retention keeps everything.
func TestRetentionSweep(t *testing.T) {
	st, err := local.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	old := putRecording(t, st, "acme", now.Add(-8*24*time.Hour))
	recent := putRecording(t, st, "acme", now.Add(-6*24*time.Hour))
	keep := putRecording(t, st, "beta", now.Add(-400*24*time.Hour))
	var mu sync.Mutex
	var events []webhook.Event
	r := &retention{
		tenants: func() []tenants.Tenant {
			return []tenants.Tenant{
				{ID: "acme", Settings: tenants.Settings{Quotas: tenants.Quotas{RetentionDays: 7}}},
				{ID: "beta"},
			}
		},
		catalog: archive.NewCatalog(st),
		emit: func(ev webhook.Event) error {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
			return nil
		},
		now: func() time.Time { return now }, day: 24 * time.Hour, log: slog.New(slog.DiscardHandler),
	}
	if n := r.sweep(context.Background()); n != 1 {
		t.Fatalf("deleted %d, want 1", n)
	}
	c := archive.NewCatalog(st)
	if _, err := c.Get(context.Background(), "acme", old.ID); err == nil {
		t.Error("the 8-day-old recording is still there")
	}
	for _, m := range []*archive.Manifest{recent, keep} {
		if _, err := c.Get(context.Background(), m.Tenant, m.ID); err != nil {
			t.Errorf("%s of %s: %v", m.ID, m.Tenant, err)
		}
	}
	if len(events) != 1 || events[0].Type != webhook.RecordingDeleted || events[0].Tenant != "acme" {
		t.Fatalf("events %+v", events)
	}
	var data struct {
		ID, Reason    string
		RetentionDays int `json:"retention_days"`
	}
	if err := json.Unmarshal(events[0].Data, &data); err != nil || data.ID != old.ID || data.Reason != "retention" || data.RetentionDays != 7 {
		t.Errorf("event data %s: %v", events[0].Data, err)
	}
	if n := r.sweep(context.Background()); n != 0 {
		t.Errorf("a second sweep deleted %d", n)
	}
}
