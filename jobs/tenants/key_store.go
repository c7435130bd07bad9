package tenants

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// maxKeyTries bounds CreateKey's tries on an id collision (2^60 ids).
const maxKeyTries = 3

// CreateKey makes an API key for tenant, ErrNotFound when the tenant does
// not exist. secret, "rck_<id>_<secret>", is the only copy of the key:
// the bucket keeps its hash.
func (s *Store) CreateKey(ctx context.Context, tenant string) (k Key, secret string, err error) {
	if err := s.requireTenant(ctx, tenant); err != nil {
		return Key{}, "", fmt.Errorf("create key: %w", err)
	}
	for range maxKeyTries {
		if k, secret, err = newKey(tenant, s.now()); err != nil {
			return Key{}, "", err
		}
		b, err := json.Marshal(k)
		if err != nil {
			return Key{}, "", fmt.Errorf("create key: %w", err)
		}
		_, err = s.kv.Create(ctx, prefixKey+k.ID, b)
		if err == nil {
			s.log.Info("api key created", "tenant", tenant, "key", k.ID)
			s.cacheKey(k.ID, b)
			return k, secret, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return Key{}, "", fmt.Errorf("create key of %s: %w", tenant, err)
		}
	}
	return Key{}, "", fmt.Errorf("create key of %s: %d id collisions", tenant, maxKeyTries)
}

// ListKeys lists tenant's keys, oldest first; ErrNotFound when the
// tenant does not exist.
func (s *Store) ListKeys(ctx context.Context, tenant string) ([]Key, error) {
	if err := s.requireTenant(ctx, tenant); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	keys, err := s.keysOf(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("list keys of %s: %w", tenant, err)
	}
	return keys, nil
}

// keysOf reads tenant's keys from the bucket.
func (s *Store) keysOf(ctx context.Context, tenant string) ([]Key, error) {
	var keys []Key
	err := s.scan(ctx, prefixKey+"*", func(e jetstream.KeyValueEntry) {
		id := strings.TrimPrefix(e.Key(), prefixKey)
		k, _, err := decodeKey(id, e.Value())
		if err != nil {
			s.log.Warn("key record left out", "key", id, "err", err)
			return
		}
		if k.Tenant == tenant {
			keys = append(keys, k)
		}
	})
	slices.SortFunc(keys, func(a, b Key) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return keys, err
}

// DeleteKey revokes a key of tenant; ErrNotFound when there is no such
// key, or it is another tenant's.
func (s *Store) DeleteKey(ctx context.Context, tenant, keyID string) error {
	if !keyIDRe.MatchString(keyID) {
		return fmt.Errorf("delete key %q: %w", keyID, ErrNotFound)
	}
	e, err := s.get(ctx, prefixKey+keyID)
	if err != nil {
		return fmt.Errorf("delete key %s: %w", keyID, err)
	}
	k, _, err := decodeKey(keyID, e.Value())
	if err != nil {
		return fmt.Errorf("delete key: %w", err)
	}
	if k.Tenant != tenant {
		return fmt.Errorf("delete key %s of %s: %w", keyID, tenant, ErrNotFound)
	}
	return s.deleteKey(ctx, k)
}

func (s *Store) deleteKey(ctx context.Context, k Key) error {
	if err := s.kv.Delete(ctx, prefixKey+k.ID); err != nil {
		return fmt.Errorf("delete key %s: %w", k.ID, err)
	}
	s.log.Info("api key deleted", "tenant", k.Tenant, "key", k.ID)
	s.cache.change(func(sn *snapshot) { delete(sn.keys, k.ID) })
	return nil
}

// cacheKey puts a key this node made into its cache at once (see
// cacheTenant).
func (s *Store) cacheKey(id string, record []byte) {
	k, sum, err := decodeKey(id, record)
	if err != nil {
		return // the watch brings it, or logs why not
	}
	s.cache.change(func(sn *snapshot) { sn.keys[id] = cachedKey{id: k.ID, tenant: k.Tenant, hash: sum} })
}

// deleteKeysOf revokes every key of tenant.
func (s *Store) deleteKeysOf(ctx context.Context, tenant string) error {
	keys, err := s.keysOf(ctx, tenant)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.deleteKey(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
