package tenants

import (
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
	"sync"
)

// cache is the Store's in-memory copy of the bucket, which Run keeps
// current.
type cache struct {
	mu sync.RWMutex
	snapshot
}

// snapshot is the content of the bucket at one time.
type snapshot struct {
	tenants map[string]*Tenant // by id, secrets open
	keys    map[string]cachedKey
}

// cachedKey is what Authenticate needs of a key.
type cachedKey struct {
	id, tenant string
	hash       [sha256.Size]byte
}

func newSnapshot() snapshot {
	return snapshot{tenants: map[string]*Tenant{}, keys: map[string]cachedKey{}}
}

func newCache() cache { return cache{snapshot: newSnapshot()} }

// replace swaps the whole content, after a (re)load.
func (c *cache) replace(s snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snapshot = s
}

// change applies one change under the lock.
func (c *cache) change(fn func(*snapshot)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(&c.snapshot)
}

// Authenticate checks a presented API key, "rck_<key id>_<secret>",
// against the keys Run has loaded: it returns the key's tenant and id
// when the key exists and its tenant exists and is enabled. It neither
// allocates nor touches the bus. The secret's hash is compared in
// constant time; that a key id exists is no secret (listings show it).
func (s *Store) Authenticate(presented string) (tenant, keyID string, ok bool) {
	id, secret, ok := splitKey(presented)
	if !ok {
		return "", "", false
	}
	sum, ok := secretHash(secret)
	if !ok {
		return "", "", false
	}
	c := &s.cache
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, found := c.keys[id]
	if !found || subtle.ConstantTimeCompare(sum[:], k.hash[:]) != 1 {
		return "", "", false
	}
	if t := c.tenants[k.tenant]; t == nil || t.Disabled {
		return "", "", false
	}
	return k.tenant, k.id, true
}

// Tenant returns a copy of a loaded tenant, disabled ones included.
func (s *Store) Tenant(id string) (Tenant, bool) {
	c := &s.cache
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tenants[id]
	if t == nil {
		return Tenant{}, false
	}
	return t.Clone(), true
}

// Tenants returns copies of every loaded tenant, sorted by id.
func (s *Store) Tenants() []Tenant {
	c := &s.cache
	c.mu.RLock()
	out := make([]Tenant, 0, len(c.tenants))
	for _, t := range c.tenants {
		out = append(out, t.Clone())
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// TokenSecret returns a copy of the join token secret of a loaded,
// enabled tenant: a disabled tenant's tokens do not verify.
func (s *Store) TokenSecret(id string) ([]byte, bool) {
	c := &s.cache
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tenants[id]
	if t == nil || t.Disabled || len(t.TokenSecret) == 0 {
		return nil, false
	}
	return slices.Clone(t.TokenSecret), true
}
