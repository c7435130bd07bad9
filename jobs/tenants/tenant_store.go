package tenants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// maxUpdateTries bounds Update's retries when others write the tenant
// between its read and its write.
const maxUpdateTries = 16

// Create writes a new tenant, ErrExists when its id is taken. It sets
// the times and makes the token secret; the tenant it returns holds them.
func (s *Store) Create(ctx context.Context, t Tenant) (Tenant, error) {
	t = t.Clone()
	now := s.now().UTC()
	t.CreatedAt, t.UpdatedAt = now, now
	if len(t.TokenSecret) == 0 {
		var err error
		if t.TokenSecret, err = newTokenSecret(); err != nil {
			return Tenant{}, err
		}
	}
	if err := t.validate(); err != nil {
		return Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	b, err := encodeTenant(s.ring, t)
	if err != nil {
		return Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	if _, err := s.kv.Create(ctx, prefixTenant+t.ID, b); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return Tenant{}, fmt.Errorf("create tenant %s: %w", t.ID, ErrExists)
		}
		return Tenant{}, fmt.Errorf("create tenant %s: %w", t.ID, err)
	}
	s.log.Info("tenant created", "tenant", t.ID)
	s.cacheTenant(t)
	return t, nil
}

// cacheTenant puts a tenant this node wrote into its cache at once: the
// node that makes a change sees it without waiting for the watch, which
// brings the same record (and every other node's view) right after.
func (s *Store) cacheTenant(t Tenant) {
	c := t.Clone()
	s.cache.change(func(sn *snapshot) { sn.tenants[c.ID] = &c })
}

// newTokenSecret makes a tenant's join token secret.
func newTokenSecret() ([]byte, error) {
	b := make([]byte, tokenSecretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	return b, nil
}

// Ensure returns tenant id, creating it (named id) when it does not
// exist: for tenants named by API keys of the config file, so they get
// a record and a token secret like any other.
func (s *Store) Ensure(ctx context.Context, id string) (Tenant, error) {
	for range 2 {
		t, err := s.Get(ctx, id)
		if !errors.Is(err, ErrNotFound) {
			return t, err
		}
		t, err = s.Create(ctx, Tenant{ID: id, Name: id})
		if !errors.Is(err, ErrExists) {
			return t, err
		}
	}
	return Tenant{}, fmt.Errorf("ensure tenant %s: created and deleted meanwhile: %w", id, ErrNotFound)
}

// Get reads one tenant from the bucket.
func (s *Store) Get(ctx context.Context, id string) (Tenant, error) {
	t, _, err := s.getTenant(ctx, id)
	return t, err
}

func (s *Store) getTenant(ctx context.Context, id string) (Tenant, uint64, error) {
	e, err := s.tenantEntry(ctx, id)
	if err != nil {
		return Tenant{}, 0, err
	}
	t, err := decodeTenant(s.ring, id, e.Value())
	if err != nil {
		return Tenant{}, 0, err
	}
	return t, e.Revision(), nil
}

// requireTenant checks that tenant id exists, without opening it: a
// record that no longer opens (its key left the keyring) can still be
// deleted.
func (s *Store) requireTenant(ctx context.Context, id string) error {
	_, err := s.tenantEntry(ctx, id)
	return err
}

func (s *Store) tenantEntry(ctx context.Context, id string) (jetstream.KeyValueEntry, error) {
	if err := ValidID(id); err != nil {
		return nil, fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	e, err := s.get(ctx, prefixTenant+id)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", id, err)
	}
	return e, nil
}

// List reads every tenant, by id. A record that does not decode or
// open is logged and left out.
func (s *Store) List(ctx context.Context) ([]Tenant, error) {
	var ts []Tenant
	err := s.scan(ctx, prefixTenant+"*", func(e jetstream.KeyValueEntry) {
		id := strings.TrimPrefix(e.Key(), prefixTenant)
		t, err := decodeTenant(s.ring, id, e.Value())
		if err != nil {
			s.log.Warn("tenant record left out", "tenant", id, "err", err)
			return
		}
		ts = append(ts, t)
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	slices.SortFunc(ts, func(a, b Tenant) int { return strings.Compare(a.ID, b.ID) })
	return ts, nil
}

// Update changes tenant id with fn and writes it back, as long as no one
// else wrote it in between; otherwise it reads it again and calls fn
// again. fn may not change the id or the creation time; a token secret
// it clears is kept.
func (s *Store) Update(ctx context.Context, id string, fn func(*Tenant) error) (Tenant, error) {
	for range maxUpdateTries {
		t, err := s.updateOnce(ctx, id, fn)
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return t, err
		}
	}
	return Tenant{}, fmt.Errorf("update tenant %s: written by others %d times in a row", id, maxUpdateTries)
}

func (s *Store) updateOnce(ctx context.Context, id string, fn func(*Tenant) error) (Tenant, error) {
	old, rev, err := s.getTenant(ctx, id)
	if err != nil {
		return Tenant{}, err
	}
	t := old.Clone()
	if err := fn(&t); err != nil {
		return Tenant{}, fmt.Errorf("update tenant %s: %w", id, err)
	}
	if t.ID != id {
		return Tenant{}, fmt.Errorf("update tenant %s: %w", id, invalid("id", "cannot change"))
	}
	t.CreatedAt, t.UpdatedAt = old.CreatedAt, s.now().UTC()
	if len(t.TokenSecret) == 0 {
		t.TokenSecret = old.TokenSecret
	}
	if err := t.validate(); err != nil {
		return Tenant{}, fmt.Errorf("update tenant %s: %w", id, err)
	}
	b, err := encodeTenant(s.ring, t)
	if err != nil {
		return Tenant{}, fmt.Errorf("update tenant: %w", err)
	}
	if _, err := s.kv.Update(ctx, prefixTenant+id, b, rev); err != nil {
		return Tenant{}, fmt.Errorf("update tenant %s: %w", id, err)
	}
	s.cacheTenant(t)
	return t, nil
}

// Delete removes a tenant and its keys. The keys go first, and once
// more after the tenant, so that no key of it outlives it (a key created
// meanwhile included) to act for a new tenant of the same id.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.requireTenant(ctx, id); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if err := s.deleteKeysOf(ctx, id); err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	if err := s.kv.Delete(ctx, prefixTenant+id); err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	if err := s.deleteKeysOf(ctx, id); err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	s.log.Info("tenant deleted", "tenant", id)
	s.cache.change(func(sn *snapshot) { delete(sn.tenants, id) })
	return nil
}
