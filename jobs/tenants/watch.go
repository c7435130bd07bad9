package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Backoff between watches of the bucket, when one fails.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// watchSetup bounds the start of a watch (a consumer made on the
	// server), which would otherwise wait out an outage.
	watchSetup = 10 * time.Second
)

var errWatchClosed = errors.New("watch closed")

// Run keeps the cache current until ctx ends, then returns nil. It loads
// the bucket, then follows its changes; when the watch fails (the bus is
// away) it logs why and watches again after a backoff, the cache serving
// what it last knew meanwhile.
func (s *Store) Run(ctx context.Context) error {
	backoff := minBackoff
	for {
		loaded, err := s.watch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if loaded {
			backoff = minBackoff
		}
		s.log.Warn("tenants watch failed; serving the last known tenants and keys", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// watch loads the bucket into a fresh snapshot, swaps it in, and then
// applies each change, until the watch fails or ctx ends. loaded tells
// whether it got as far as the swap.
func (s *Store) watch(ctx context.Context) (loaded bool, err error) {
	// The watch lives as long as the context it starts with: this one
	// ends with this watch, or when its start outlasts watchSetup.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(watchSetup, cancel)
	w, err := s.kv.WatchAll(wctx)
	if !timer.Stop() {
		return false, fmt.Errorf("watch not started within %s", watchSetup)
	}
	if err != nil {
		return false, err
	}
	defer func() { _ = w.Stop() }()
	next := newSnapshot()
	for {
		select {
		case <-ctx.Done():
			return loaded, ctx.Err()
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return loaded, errWatchClosed
			case e == nil:
				// Counted before the swap: the maps are the cache's after it.
				tenants, keys := len(next.tenants), len(next.keys)
				s.cache.replace(next)
				loaded = true
				s.readyOnce.Do(func() { close(s.ready) })
				s.log.Debug("tenants loaded", "tenants", tenants, "keys", keys)
			case loaded:
				s.cache.change(func(sn *snapshot) { s.apply(sn, e) })
			default:
				s.apply(&next, e)
			}
		}
	}
}

// apply puts one change of the bucket into sn. A record that does not
// decode or open is logged and dropped, so that it authenticates nothing.
func (s *Store) apply(sn *snapshot, e jetstream.KeyValueEntry) {
	gone := e.Operation() != jetstream.KeyValuePut
	if id, ok := strings.CutPrefix(e.Key(), prefixTenant); ok {
		delete(sn.tenants, id)
		if gone {
			return
		}
		t, err := decodeTenant(s.ring, id, e.Value())
		if err != nil {
			s.log.Warn("tenant record ignored", "tenant", id, "err", err)
			return
		}
		sn.tenants[id] = &t
		return
	}
	if id, ok := strings.CutPrefix(e.Key(), prefixKey); ok {
		delete(sn.keys, id)
		if gone {
			return
		}
		k, sum, err := decodeKey(id, e.Value())
		if err != nil {
			s.log.Warn("key record ignored", "key", id, "err", err)
			return
		}
		sn.keys[id] = cachedKey{id: k.ID, tenant: k.Tenant, hash: sum}
	}
}
