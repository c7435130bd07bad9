package archive_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
)

// TestExpired: recordings that ended before the cutoff are handed over
// (and may be deleted while the sweep pages on); newer ones, ones still
// recording and other tenants' are not.
func TestExpired(t *testing.T) {
	st := openStore(t)
	var old []string
	for i := range 5 {
		start := t0.Add(time.Duration(i) * time.Hour)
		m := newManifest("acme", "a", start, archive.StatusComplete)
		end := start.Add(30 * time.Minute)
		m.EndedAt = &end
		if i == 4 {
			m.Status, m.EndedAt = archive.StatusRecording, nil // still being written
		}
		store(t, st, m)
		if i < 3 {
			old = append(old, m.ID)
		}
	}
	other := newManifest("beta", "a", t0, archive.StatusComplete)
	end := t0.Add(time.Minute)
	other.EndedAt = &end
	store(t, st, other)

	c := archive.NewCatalog(st)
	cutoff := t0.Add(3 * time.Hour) // recording 3 ends at 3h30
	var got []string
	err := c.Expired(context.Background(), "acme", cutoff, func(m *archive.Manifest) error {
		got = append(got, m.ID)
		return c.Delete(context.Background(), "acme", m.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(old)
	if !slices.Equal(got, old) {
		t.Errorf("expired %v, want %v", got, old)
	}
	p, err := c.List(context.Background(), "acme", archive.Query{})
	if err != nil || len(p.Recordings) != 2 {
		t.Errorf("left %d recordings, want 2: %v", len(p.Recordings), err)
	}
	if _, err := c.Get(context.Background(), "beta", other.ID); err != nil {
		t.Errorf("another tenant's recording: %v", err)
	}
}
