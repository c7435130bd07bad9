package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// Endpoint is one receiver of events: a tenant's own, or the global one
// (Tenant "") that receives every tenant's events.
type Endpoint struct {
	Tenant string // "" : every tenant
	URL    string // http or https; never logged with its query or userinfo
	Secret string // HMAC key; never logged
	// Since is when a tenant's endpoint was set up: its queue starts with
	// the events from then on. Zero: the events from when its queue first
	// starts.
	Since time.Time
}

// same reports whether e and o are the same settings.
func (e Endpoint) same(o Endpoint) bool {
	return e.Tenant == o.Tenant && e.URL == o.URL && e.Secret == o.Secret && e.Since.Equal(o.Since)
}

// Endpoints is where the endpoint settings come from: the config today,
// a store of tenant settings later. List is called when a Dispatcher
// starts.
type Endpoints interface {
	List(ctx context.Context) ([]Endpoint, error)
}

// StaticEndpoints is a fixed list, as read from the config.
type StaticEndpoints []Endpoint

// List returns the list.
func (s StaticEndpoints) List(context.Context) ([]Endpoint, error) { return s, nil }

// Name is the endpoint's queue: the durable consumer it reads and the
// name parked events and metrics show. It holds no secret: the global
// endpoint is ConsumerName, a tenant's is "webhooks_<tenant>_<8 hex of
// the URL's SHA-256>".
func (e Endpoint) Name() string {
	if e.Tenant == "" {
		return ConsumerName
	}
	sum := sha256.Sum256([]byte(e.URL))
	return ConsumerName + "_" + e.Tenant + "_" + hex.EncodeToString(sum[:4])
}

// check validates e; errors name the field, never the secret.
func (e Endpoint) check() (*url.URL, error) {
	if e.Tenant != "" && !safeToken(e.Tenant) {
		return nil, fmt.Errorf("%w: endpoint tenant %q is not a safe name", ErrInvalidConfig, e.Tenant)
	}
	u, err := parseEndpoint(e.URL)
	if err != nil {
		return nil, fmt.Errorf("endpoint of tenant %q: %w", e.Tenant, err)
	}
	if e.Secret == "" {
		return nil, fmt.Errorf("%w: endpoint of tenant %q: Secret is empty", ErrInvalidConfig, e.Tenant)
	}
	return u, nil
}
