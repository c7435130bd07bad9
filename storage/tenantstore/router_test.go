package tenantstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/storage/s3"
	"github.com/roomcast/roomcast/storage/storetest"
	"github.com/roomcast/roomcast/storage/tenantstore"
)

// targets is a Resolve whose answers the test changes.
type targets struct {
	mu sync.Mutex
	m  map[string]tenantstore.Target
}

func (ts *targets) resolve(tenant string) (tenantstore.Target, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[tenant]
	return t, ok
}

func (ts *targets) set(tenant string, t tenantstore.Target) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.m[tenant] = t
}

func bucketOf(m *storetest.MinIO, bucket string) s3.Config {
	return s3.Config{Endpoint: m.Endpoint, Region: m.Region, Bucket: bucket, PathStyle: true,
		AccessKey: m.AccessKey, SecretKey: m.SecretKey, CreateBucket: true}
}

func open(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	s, err := s3.Open(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func read(t *testing.T, s storage.Store, key string) string {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// TestRouter: a tenant with its own bucket (another MinIO, its own
// credentials) gets its objects there, under its prefix; other tenants'
// go to the shared store; every Store method follows the route; a change
// of settings moves new objects to the new bucket.
func TestRouter(t *testing.T) {
	own := storetest.StartMinIO(t)
	shared, err := local.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := &targets{m: map[string]tenantstore.Target{}}
	ts.set("acme", tenantstore.Target{S3: bucketOf(own, "acme-recordings"), Prefix: "roomcast/"})
	r := tenantstore.New(shared, ts.resolve, nil, func(ctx context.Context, cfg s3.Config) (storage.Store, error) { return s3.Open(ctx, cfg, nil) }, nil)
	t.Cleanup(func() { _ = r.Close() })
	ctx := t.Context()
	for _, k := range []string{"acme/live/REC_1/seg-1.m4s", "acme/live/REC_1/seg-2.m4s", "beta/live/REC_2/seg-1.m4s"} {
		if err := r.Put(ctx, k, bytes.NewReader([]byte(k)), int64(len(k))); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	direct := open(t, bucketOf(own, "acme-recordings"))
	if got := read(t, direct, "roomcast/acme/live/REC_1/seg-1.m4s"); got != "acme/live/REC_1/seg-1.m4s" {
		t.Errorf("acme's object in its bucket: %q", got)
	}
	if _, err := shared.Stat(ctx, "acme/live/REC_1/seg-1.m4s"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("acme's object in the shared store: %v", err)
	}
	if got := read(t, shared, "beta/live/REC_2/seg-1.m4s"); got != "beta/live/REC_2/seg-1.m4s" {
		t.Errorf("beta's object in the shared store: %q", got)
	}
	objs, err := r.List(ctx, "acme/live/", "acme/live/REC_1/seg-1.m4s", 0)
	if err != nil || len(objs) != 1 || objs[0].Key != "acme/live/REC_1/seg-2.m4s" {
		t.Errorf("list acme after seg-1: %+v %v", objs, err)
	}
	if o, err := r.Stat(ctx, "acme/live/REC_1/seg-2.m4s"); err != nil || o.Key != "acme/live/REC_1/seg-2.m4s" || o.Size != 25 {
		t.Errorf("stat: %+v %v", o, err)
	}
	if got := read(t, r, "acme/live/REC_1/seg-2.m4s"); got != "acme/live/REC_1/seg-2.m4s" {
		t.Errorf("get through the router: %q", got)
	}
	u, err := r.PresignGet(ctx, "acme/live/REC_1/seg-2.m4s", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned acme object: %v %v", resp, err)
	}
	resp.Body.Close()
	// What acme stored before it had a bucket of its own is still read,
	// listed (once) and deleted through the router.
	if err := shared.Put(ctx, "acme/live/REC_0/seg-1.m4s", bytes.NewReader([]byte("old")), 3); err != nil {
		t.Fatal(err)
	}
	if got := read(t, r, "acme/live/REC_0/seg-1.m4s"); got != "old" {
		t.Errorf("acme's older object: %q", got)
	}
	objs, err = r.List(ctx, "acme/live/", "", 2)
	if err != nil || len(objs) != 2 || objs[0].Key != "acme/live/REC_0/seg-1.m4s" || objs[1].Key != "acme/live/REC_1/seg-1.m4s" {
		t.Errorf("merged list: %+v %v", objs, err)
	}
	if err := r.Delete(ctx, "acme/live/REC_0/seg-1.m4s"); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Stat(ctx, "acme/live/REC_0/seg-1.m4s"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("older object not deleted: %v", err)
	}
	if err := r.Delete(ctx, "acme/live/REC_1/seg-1.m4s"); err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Stat(ctx, "roomcast/acme/live/REC_1/seg-1.m4s"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleted object still in acme's bucket: %v", err)
	}

	// New settings: new objects go to the new bucket.
	ts.set("acme", tenantstore.Target{S3: bucketOf(own, "acme-v2")})
	if err := r.Put(ctx, "acme/live/REC_3/seg-1.m4s", bytes.NewReader([]byte("v2")), 2); err != nil {
		t.Fatal(err)
	}
	if got := read(t, open(t, bucketOf(own, "acme-v2")), "acme/live/REC_3/seg-1.m4s"); got != "v2" {
		t.Errorf("after the change: %q", got)
	}

	// Wrong credentials: refused, as the store's access error.
	bad := bucketOf(own, "acme-v2")
	bad.SecretKey = "not-the-secret"
	bad.CreateBucket = false
	ts.set("acme", tenantstore.Target{S3: bad})
	err = r.Put(ctx, "acme/x", bytes.NewReader([]byte("x")), 1)
	if err == nil || bytes.Contains([]byte(err.Error()), []byte("not-the-secret")) {
		t.Errorf("wrong credentials: %v", err)
	}
}

// TestRouterConformance runs the store conformance tests through a
// router where tenant "a" has its own bucket and the rest share a store.
func TestRouterConformance(t *testing.T) {
	own := storetest.StartMinIO(t)
	n := 0
	storetest.Run(t, func(t *testing.T) storage.Store {
		n++
		bucket := "conf-" + string(rune('a'+n))
		shared, err := local.Open(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		r := tenantstore.New(shared, func(tenant string) (tenantstore.Target, bool) {
			return tenantstore.Target{S3: bucketOf(own, bucket), Prefix: "p/"}, tenant == "a"
		}, func() []string { return []string{"a", "b"} }, tenantstore.OpenS3(nil), nil)
		t.Cleanup(func() { _ = r.Close() })
		return r
	})
}
