package tenants

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/jobs/seal"
)

// Bucket is the KV bucket of tenants and keys.
const Bucket = "roomcast_tenants"

// KV key prefixes of the two kinds of record.
const (
	prefixTenant = "t."
	prefixKey    = "k."
)

// Store reads and writes tenants and keys, and caches them for
// Authenticate while Run runs. Its methods are safe for concurrent use.
type Store struct {
	kv    jetstream.KeyValue
	ring  *seal.Keyring
	log   *slog.Logger
	now   func() time.Time
	cache cache

	readyOnce sync.Once
	ready     chan struct{}
}

// Open creates or opens the bucket on js.
func Open(ctx context.Context, js jetstream.JetStream, ring *seal.Keyring, log *slog.Logger) (*Store, error) {
	if ring == nil {
		return nil, errors.New("tenants: no keyring")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, History: 1, Storage: jetstream.FileStorage,
		Description: "roomcast tenants (t.<id>) and API keys (k.<key id>)",
	})
	if err != nil {
		return nil, fmt.Errorf("tenants bucket: %w", err)
	}
	return &Store{
		kv: kv, ring: ring, log: log, now: time.Now,
		cache: newCache(), ready: make(chan struct{}),
	}, nil
}

// Ready is closed once Run has loaded every tenant and key.
func (s *Store) Ready() <-chan struct{} { return s.ready }

// WaitReady waits for Ready or the end of ctx.
func (s *Store) WaitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("tenants not loaded: %w", ctx.Err())
	}
}

// scan calls each with every live record whose KV key matches filter,
// reading them through one watch rather than a get per key.
func (s *Store) scan(ctx context.Context, filter string, each func(jetstream.KeyValueEntry)) error {
	ctx, cancel := context.WithCancel(ctx) // the watch ends with it
	defer cancel()
	w, err := s.kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("read %s: %w", filter, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("read %s: %w", filter, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("read %s: watch closed", filter)
			}
			if e == nil {
				return nil
			}
			each(e)
		}
	}
}

// get reads one record, ErrNotFound when it is absent or deleted.
func (s *Store) get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return e, nil
}
