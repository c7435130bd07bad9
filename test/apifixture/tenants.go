package apifixture

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/jobs/tenants"
)

// Tenants is a real tenant store on an embedded NATS JetStream server,
// its cache kept current by Run in the background.
type Tenants struct {
	Store *tenants.Store
	stop  func()
}

// OpenTenants starts an embedded NATS server storing under dir, opens
// the tenant store on it with a fresh key ring, creates the tenants
// named in ensure (as the config file's tenants are) and waits until
// the store has loaded them. Close stops everything. It takes no
// testing.TB, so that benchmark programs build the same store.
func OpenTenants(ctx context.Context, dir string, ensure ...string) (*Tenants, error) {
	e, err := jobs.StartEmbedded(filepath.Join(dir, "nats"), 5*time.Second)
	if err != nil {
		return nil, err
	}
	nc, err := e.Connect("apifixture-tenants")
	if err != nil {
		e.Close()
		return nil, err
	}
	closeBus := func() { nc.Close(); e.Close() }
	store, err := openStore(ctx, nc)
	if err != nil {
		closeBus()
		return nil, err
	}
	ts := &Tenants{Store: store}
	ts.run(closeBus)
	if err := ts.load(ctx, ensure); err != nil {
		ts.Close()
		return nil, err
	}
	return ts, nil
}

// openStore opens the tenant store on nc with a new key ring.
func openStore(ctx context.Context, nc *nats.Conn) (*tenants.Store, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("apifixture: jetstream: %w", err)
	}
	k, err := seal.GenerateKey("fixture")
	if err != nil {
		return nil, err
	}
	ring, err := seal.ParseKeys(k)
	if err != nil {
		return nil, err
	}
	return tenants.Open(ctx, js, ring, nil)
}

// run keeps the store's cache current until Close.
func (ts *Tenants) run(closeBus func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = ts.Store.Run(ctx) })
	ts.stop = sync.OnceFunc(func() { cancel(); wg.Wait(); closeBus() })
}

// load creates the tenants named and waits until the cache has them.
func (ts *Tenants) load(ctx context.Context, ensure []string) error {
	for _, id := range ensure {
		if _, err := ts.Store.Ensure(ctx, id); err != nil {
			return fmt.Errorf("apifixture: tenant %s: %w", id, err)
		}
	}
	if err := ts.Store.WaitReady(ctx); err != nil {
		return err
	}
	return WaitLoaded(ctx, ts.Store, ensure...)
}

// WaitLoaded waits until the store's cache holds every tenant named (a
// tenant written through the store reaches the cache through Run's
// watch, a moment later).
func WaitLoaded(ctx context.Context, s *tenants.Store, ids ...string) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		missing := ""
		for _, id := range ids {
			if _, ok := s.TokenSecret(id); !ok {
				missing = id
				break
			}
		}
		if missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("apifixture: tenant %s not loaded: %w", missing, ctx.Err())
		case <-tick.C:
		}
	}
}

// Close stops the store's Run and the NATS server; it is idempotent.
func (ts *Tenants) Close() { ts.stop() }
