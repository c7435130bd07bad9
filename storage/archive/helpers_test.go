package archive_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
)

func openStore(t *testing.T) *local.Store {
	t.Helper()
	st, err := local.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// newManifest is a recording of tenant in room started at start with two
// 2 s segments.
func newManifest(tenant, room string, start time.Time, status string) *archive.Manifest {
	m := &archive.Manifest{
		Version:         archive.ManifestVersion,
		Summary:         archive.Summary{ID: archive.NewID(start), Tenant: tenant, Room: room, Egress: "EG_test", Status: status, StartedAt: start.UTC(), UpdatedAt: start.UTC(), Participants: []archive.Participant{}},
		Discontinuities: []archive.Discontinuity{},
		Inits:           []archive.File{{Name: archive.InitName(0), Size: 4}},
	}
	for i := range 2 {
		seq := uint64(i + 1)
		m.Segments = append(m.Segments, archive.Segment{
			File:     archive.File{Name: archive.SegmentName(seq), Size: 4},
			Sequence: seq, Init: archive.InitName(0), Start: float64(2 * i), Duration: 2,
		})
		m.Duration += 2
	}
	return m
}

func put(t *testing.T, st storage.Store, key string, b []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
}

// store writes the manifest, its objects and its index entry.
func store(t *testing.T, st storage.Store, m *archive.Manifest) {
	t.Helper()
	for _, f := range m.Inits {
		put(t, st, archive.Key(m.Tenant, m.Room, m.ID, f.Name), []byte("init"))
	}
	for _, s := range m.Segments {
		put(t, st, archive.Key(m.Tenant, m.Room, m.ID, s.Name), []byte("moof"))
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, archive.Key(m.Tenant, m.Room, m.ID, archive.ManifestName), b)
	put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
}
