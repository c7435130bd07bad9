// Package tenantstore routes each tenant's objects to the tenant's own
// S3-compatible bucket when the tenant has one, and everything else to the
// shared store. Object keys start with the tenant ("acme/…"), so the
// spool, the recorder and the catalog need not know: they see one Store.
package tenantstore

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roomcast/roomcast/storage"
	"github.com/roomcast/roomcast/storage/s3"
)

// Target is a tenant's own bucket: where its objects go, under Prefix.
type Target struct {
	S3     s3.Config
	Prefix string // before every key in the bucket; "" or ending in "/"
}

// Resolve says where a tenant's objects go: its own Target, or false
// for the shared store.
type Resolve func(tenant string) (Target, bool)

// Opener opens a tenant's bucket (s3.Open in production).
type Opener func(ctx context.Context, cfg s3.Config) (storage.Store, error)

// openTimeout bounds opening a tenant's bucket; an unreachable one is
// opened anyway (uploads then wait in the spool).
const openTimeout = 15 * time.Second

// Router is a storage.Store over the shared store and the tenants' own.
type Router struct {
	shared  storage.Store
	resolve Resolve
	tenants func() []string // nil: lists spanning tenants see the shared store only
	open    Opener
	log     *slog.Logger

	mu     sync.Mutex
	stores map[string]opened // by tenant
}

type opened struct {
	fingerprint [32]byte // of the Target it was opened with
	store       storage.Store
	prefix      string
}

// New routes to shared unless resolve names a tenant's own bucket.
// tenants, when not nil, enumerates the tenants, for listings whose
// prefix spans tenants (none of roomcast's own do).
func New(shared storage.Store, resolve Resolve, tenants func() []string, open Opener, log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{shared: shared, resolve: resolve, tenants: tenants, open: open, log: log, stores: map[string]opened{}}
}

// OpenS3 is the production Opener: s3.Open, accepting an unreachable
// endpoint.
func OpenS3(log *slog.Logger) Opener {
	return func(ctx context.Context, cfg s3.Config) (storage.Store, error) {
		cfg.AllowUnreachable = true
		return s3.Open(ctx, cfg, log)
	}
}

// part is one store a key may be in, and what goes before keys there.
type part struct {
	store storage.Store
	base  string
}

// parts are the stores key may be in: the tenant's own bucket first
// (where writes go), then the shared store, which keeps what the tenant
// stored before it had a bucket of its own. A key of no tenant with its
// own bucket is in the shared store alone.
func (r *Router) parts(ctx context.Context, key string) ([]part, error) {
	tenant, _, ok := strings.Cut(key, "/")
	if !ok || tenant == "" {
		return r.spanning(ctx, key)
	}
	t, own := r.resolve(tenant)
	if !own {
		return []part{{store: r.shared}}, nil
	}
	o, err := r.tenantStore(ctx, tenant, t)
	if err != nil {
		return nil, err
	}
	return []part{{o.store, o.prefix}, {store: r.shared}}, nil
}

// spanning are the stores of a prefix that no tenant's key starts with a
// whole tenant id: the shared store and the own buckets of the tenants
// the prefix may start (when the Router can enumerate them).
func (r *Router) spanning(ctx context.Context, prefix string) ([]part, error) {
	ps := []part{{store: r.shared}}
	if r.tenants == nil {
		return ps, nil
	}
	for _, tenant := range r.tenants() {
		if !strings.HasPrefix(tenant, prefix) {
			continue
		}
		t, own := r.resolve(tenant)
		if !own {
			continue
		}
		o, err := r.tenantStore(ctx, tenant, t)
		if err != nil {
			return nil, err
		}
		ps = append(ps, part{o.store, o.prefix})
	}
	return ps, nil
}

// tenantStore opens (once per settings) the tenant's bucket.
func (r *Router) tenantStore(ctx context.Context, tenant string, t Target) (opened, error) {
	fp := fingerprint(t)
	r.mu.Lock()
	o, ok := r.stores[tenant]
	r.mu.Unlock()
	if ok && o.fingerprint == fp {
		return o, nil
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	st, err := r.open(ctx, t.S3)
	if err != nil {
		return opened{}, fmt.Errorf("tenant %s storage: %w", tenant, err)
	}
	o = opened{fingerprint: fp, store: st, prefix: t.Prefix}
	r.mu.Lock()
	old, had := r.stores[tenant]
	r.stores[tenant] = o
	r.mu.Unlock()
	if had {
		closeStore(old.store) // the tenant's settings changed
	}
	r.log.Info("tenant storage opened", "tenant", tenant, "bucket", t.S3.Bucket, "endpoint", t.S3.Endpoint)
	return o, nil
}

// fingerprint identifies a Target's settings without keeping them.
func fingerprint(t Target) [32]byte {
	b, _ := json.Marshal(struct {
		S3     s3.Config
		Prefix string
	}{t.S3, t.Prefix})
	return sha256.Sum256(b)
}

// Put implements storage.Store: into the tenant's own bucket when it has
// one.
func (r *Router) Put(ctx context.Context, key string, rd io.Reader, size int64) error {
	ps, err := r.parts(ctx, key)
	if err != nil {
		return err
	}
	return ps[0].store.Put(ctx, ps[0].base+key, rd, size)
}

// Get implements storage.Store.
func (r *Router) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	ps, err := r.parts(ctx, key)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		rc, err := p.store.Get(ctx, p.base+key)
		if !errors.Is(err, storage.ErrNotFound) {
			return rc, err
		}
	}
	return nil, fmt.Errorf("%w: %s", storage.ErrNotFound, key)
}

// Stat implements storage.Store.
func (r *Router) Stat(ctx context.Context, key string) (storage.Object, error) {
	ps, err := r.parts(ctx, key)
	if err != nil {
		return storage.Object{}, err
	}
	for _, p := range ps {
		o, err := p.store.Stat(ctx, p.base+key)
		if !errors.Is(err, storage.ErrNotFound) {
			o.Key = key
			return o, err
		}
	}
	return storage.Object{}, fmt.Errorf("%w: %s", storage.ErrNotFound, key)
}

// List implements storage.Store: the stores' listings merged in key
// order, a key in two stores listed once.
func (r *Router) List(ctx context.Context, prefix, after string, limit int) ([]storage.Object, error) {
	ps, err := r.parts(ctx, prefix)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var all []storage.Object
	for _, p := range ps {
		a := ""
		if after != "" {
			a = p.base + after
		}
		objs, err := p.store.List(ctx, p.base+prefix, a, limit)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			o.Key = strings.TrimPrefix(o.Key, p.base)
			if !seen[o.Key] {
				seen[o.Key] = true
				all = append(all, o)
			}
		}
	}
	slices.SortFunc(all, func(a, b storage.Object) int { return strings.Compare(a.Key, b.Key) })
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// Delete implements storage.Store: from every store the key may be in.
func (r *Router) Delete(ctx context.Context, key string) error {
	ps, err := r.parts(ctx, key)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := p.store.Delete(ctx, p.base+key); err != nil {
			return err
		}
	}
	return nil
}

// PresignGet implements storage.Store, from the store writes go to: a
// link to an object the tenant stored before it had a bucket of its own
// does not open (the catalog's files still do, through Get).
func (r *Router) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	ps, err := r.parts(ctx, key)
	if err != nil {
		return "", err
	}
	return ps[0].store.PresignGet(ctx, ps[0].base+key, ttl)
}

// Close closes the tenants' stores it opened (not the shared one).
func (r *Router) Close() error {
	r.mu.Lock()
	stores := r.stores
	r.stores = map[string]opened{}
	r.mu.Unlock()
	for _, o := range stores {
		closeStore(o.store)
	}
	return nil
}

func closeStore(st storage.Store) {
	if c, ok := st.(io.Closer); ok {
		_ = c.Close()
	}
}

var _ storage.Store = (*Router)(nil)
