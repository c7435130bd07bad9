package archive_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/archive"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// seven stores 7 recordings of tenant acme, one a minute from t0, in
// rooms a (even) and b (odd); the first two are interrupted. It returns
// their ids newest first.
func seven(t *testing.T, st storage.Store) []string {
	t.Helper()
	var ids []string
	for i := range 7 {
		room, status := "a", archive.StatusComplete
		if i%2 == 1 {
			room = "b"
		}
		if i < 2 {
			status = archive.StatusInterrupted
		}
		m := newManifest("acme", room, t0.Add(time.Duration(i)*time.Minute), status)
		store(t, st, m)
		ids = append(ids, m.ID)
	}
	slices.Reverse(ids)
	return ids
}

func idsOf(p archive.Page) []string {
	var ids []string
	for _, m := range p.Recordings {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestListPaging(t *testing.T) {
	st := openStore(t)
	want := seven(t, st)
	store(t, st, newManifest("other", "a", t0, archive.StatusComplete))
	c := archive.NewCatalog(st)
	var got []string
	var sizes []int
	cursor := ""
	for range 10 {
		p, err := c.List(context.Background(), "acme", archive.Query{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, idsOf(p)...)
		sizes = append(sizes, len(p.Recordings))
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Errorf("page sizes %v, want [3 3 1]", sizes)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v newest first without duplicates", got, want)
	}
}

func TestListExactPagesHasNoEmptyLastPage(t *testing.T) {
	st := openStore(t)
	seven(t, st)
	c := archive.NewCatalog(st)
	p, err := c.List(context.Background(), "acme", archive.Query{Limit: 7})
	if err != nil || len(p.Recordings) != 7 || p.Next != "" {
		t.Fatalf("List limit 7 = %d recordings, next %q, %v; want 7, no next", len(p.Recordings), p.Next, err)
	}
}

func TestListFilters(t *testing.T) {
	st := openStore(t)
	ids := seven(t, st) // ids[k] started at t0 + (6-k) min
	c := archive.NewCatalog(st)
	cases := []struct {
		name string
		q    archive.Query
		want []string
	}{
		{"room", archive.Query{Room: "b"}, []string{ids[1], ids[3], ids[5]}},
		{"status", archive.Query{Status: archive.StatusInterrupted}, []string{ids[5], ids[6]}},
		{"since", archive.Query{Since: t0.Add(5 * time.Minute)}, []string{ids[0], ids[1]}},
		{"until", archive.Query{Until: t0.Add(2 * time.Minute)}, []string{ids[5], ids[6]}},
		{"window", archive.Query{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, []string{ids[3], ids[4]}},
		{"room and status", archive.Query{Room: "a", Status: archive.StatusInterrupted}, []string{ids[6]}},
		{"none", archive.Query{Status: archive.StatusRecording}, nil},
		{"room paged", archive.Query{Room: "a", Limit: 2}, []string{ids[0], ids[2]}},
	}
	for _, tc := range cases {
		p, err := c.List(context.Background(), "acme", tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := idsOf(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestListBadCursor(t *testing.T) {
	c := archive.NewCatalog(openStore(t))
	for _, cur := range []string{"x", "../../etc", "REC_"} {
		if _, err := c.List(context.Background(), "acme", archive.Query{Cursor: cur}); !errors.Is(err, archive.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", cur, err)
		}
	}
}

func TestGetOtherTenant(t *testing.T) {
	st := openStore(t)
	m := newManifest("acme", "a", t0, archive.StatusComplete)
	store(t, st, m)
	c := archive.NewCatalog(st)
	ctx := context.Background()
	if got, err := c.Get(ctx, "acme", m.ID); err != nil || got.ID != m.ID || len(got.Segments) != 2 {
		t.Fatalf("Get own = %+v, %v", got, err)
	}
	if _, err := c.Get(ctx, "evil", m.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Get of another tenant: %v, want ErrNotFound", err)
	}
	if _, err := c.Locate(ctx, "evil", m.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Locate of another tenant: %v, want ErrNotFound", err)
	}
	for _, id := range []string{"", "../acme", archive.NewID(t0)} {
		if _, err := c.Get(ctx, "acme", id); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("Get %q: %v, want ErrNotFound", id, err)
		}
	}
}

// A manifest stored under one tenant's index must name that tenant and
// room, or it is not found.
func TestGetManifestNamingOtherTenant(t *testing.T) {
	st := openStore(t)
	m := newManifest("evil", "a", t0, archive.StatusComplete)
	b, _ := m.Marshal()
	put(t, st, archive.Key("acme", "a", m.ID, archive.ManifestName), b)
	put(t, st, archive.IndexEntryKey("acme", "a", m.ID), archive.IndexBody(m))
	if _, err := archive.NewCatalog(st).Get(context.Background(), "acme", m.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
}

func TestCorruptManifest(t *testing.T) {
	st := openStore(t)
	good := newManifest("acme", "a", t0, archive.StatusComplete)
	store(t, st, good)
	bad := newManifest("acme", "a", t0.Add(time.Minute), archive.StatusComplete)
	store(t, st, bad)
	put(t, st, archive.Key("acme", "a", bad.ID, archive.ManifestName), []byte(`{"version":1,"id":`))
	c := archive.NewCatalog(st)
	if _, err := c.Get(context.Background(), "acme", bad.ID); !errors.Is(err, archive.ErrBadManifest) {
		t.Errorf("Get corrupt: %v, want ErrBadManifest", err)
	}
	p, err := c.List(context.Background(), "acme", archive.Query{})
	if err != nil || !slices.Equal(idsOf(p), []string{good.ID}) {
		t.Errorf("List = %v, %v; want only the readable one", idsOf(p), err)
	}
}

func TestDelete(t *testing.T) {
	st := openStore(t)
	m := newManifest("acme", "a", t0, archive.StatusComplete)
	store(t, st, m)
	keep := newManifest("acme", "a", t0.Add(time.Minute), archive.StatusComplete)
	store(t, st, keep)
	c := archive.NewCatalog(st)
	ctx := context.Background()
	if err := c.Delete(ctx, "evil", m.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Fatalf("Delete by another tenant: %v", err)
	}
	if err := c.Delete(ctx, "acme", m.ID); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{archive.Prefix("acme", "a", m.ID), archive.IndexKey("acme", m.ID)} {
		if objs, err := st.List(ctx, prefix, "", 0); err != nil || len(objs) != 0 {
			t.Errorf("after Delete, %s holds %v, %v", prefix, objs, err)
		}
	}
	if _, err := c.Get(ctx, "acme", m.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if _, err := c.Get(ctx, "acme", keep.ID); err != nil {
		t.Errorf("Delete removed another recording: %v", err)
	}
}

func TestOpen(t *testing.T) {
	st := openStore(t)
	m := newManifest("acme", "a", t0, archive.StatusComplete)
	store(t, st, m)
	c := archive.NewCatalog(st)
	rc, err := c.Open(context.Background(), m, m.Segments[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "moof" {
		t.Errorf("Open read %q", b)
	}
	for _, name := range []string{"../../other/x", "seg-999999.m4s", "/etc/passwd"} {
		if _, err := c.Open(context.Background(), m, name); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("Open %q: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := c.Presign(context.Background(), m, "seg-000001.m4s", time.Hour); !errors.Is(err, storage.ErrPresignUnsupported) {
		t.Errorf("Presign on a local store: %v", err)
	}
}

// failingDelete is a store whose Delete of keys ending in suffix fails
// until fail is cleared.
type failingDelete struct {
	storage.Store
	suffix string
	fail   bool
}

var errDeleteRefused = errors.New("delete refused")

func (s *failingDelete) Delete(ctx context.Context, key string) error {
	if s.fail && strings.HasSuffix(key, s.suffix) {
		return errDeleteRefused
	}
	return s.Store.Delete(ctx, key)
}

// TestDeleteInterrupted: a Delete that fails half way (the store refused
// one object) leaves the recording listed, its head readable and the
// objects it still names findable, so that the next Delete (the API's or
// the retention sweep's) removes the rest: its manifest.json, which makes
// it a recording, goes last. A chunked recording whose chunks went first
// must still be deletable.
func TestDeleteInterrupted(t *testing.T) {
	for _, fail := range []string{archive.SegmentName(150), archive.PlaylistName, archive.ManifestName} {
		t.Run(fail, func(t *testing.T) {
			st := &failingDelete{Store: openStore(t), suffix: fail, fail: true}
			m := emptyManifest(t0)
			m.Status = archive.StatusComplete
			p := newPuts(t, st, m)
			var w archive.IndexWriter
			grow(t, m, &w, p, 230, 4)
			for _, s := range m.Segments {
				put(t, st, archive.Key(m.Tenant, m.Room, m.ID, s.Name), []byte("moof"))
			}
			put(t, st, archive.Key(m.Tenant, m.Room, m.ID, archive.PlaylistName), []byte("#EXTM3U\n"))
			put(t, st, archive.IndexEntryKey(m.Tenant, m.Room, m.ID), archive.IndexBody(m))
			c := archive.NewCatalog(st)
			ctx := context.Background()
			if err := c.Delete(ctx, m.Tenant, m.ID); !errors.Is(err, errDeleteRefused) {
				t.Fatalf("Delete with a refusing store: %v", err)
			}
			page, err := c.List(ctx, m.Tenant, archive.Query{})
			if err != nil || !slices.Equal(idsOf(page), []string{m.ID}) {
				t.Fatalf("after a failed Delete, List = %v, %v; want the recording still listed", idsOf(page), err)
			}
			if s, err := c.Head(ctx, m.Tenant, m.ID); err != nil || s.Status != archive.StatusComplete {
				t.Fatalf("after a failed Delete, Head = %v, %v", s, err)
			}
			st.fail = false
			if err := c.Delete(ctx, m.Tenant, m.ID); err != nil {
				t.Fatalf("second Delete: %v", err)
			}
			for _, prefix := range []string{archive.Prefix(m.Tenant, m.Room, m.ID), archive.IndexKey(m.Tenant, m.ID)} {
				if objs, err := st.List(ctx, prefix, "", 0); err != nil || len(objs) != 0 {
					t.Errorf("after the second Delete, %s holds %d objects, %v", prefix, len(objs), err)
				}
			}
		})
	}
}
