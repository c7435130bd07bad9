package client

import (
	"context"
	"net/http"

	"github.com/roomcast/roomcast/api/types"
)

// The tenant routes need an admin key.

// CreateTenant creates a tenant: POST /v1/tenants.
func (c *Client) CreateTenant(ctx context.Context, req types.TenantCreate) (types.Tenant, error) {
	return do[types.Tenant](ctx, c, http.MethodPost, c.endpoint(nil, "v1", "tenants"), req)
}

// ListTenants lists every tenant: GET /v1/tenants.
func (c *Client) ListTenants(ctx context.Context) ([]types.Tenant, error) {
	return list[types.Tenant](ctx, c, c.endpoint(nil, "v1", "tenants"), "tenants")
}

// GetTenant reads a tenant: GET /v1/tenants/{id}.
func (c *Client) GetTenant(ctx context.Context, id string) (types.Tenant, error) {
	return do[types.Tenant](ctx, c, http.MethodGet, c.endpoint(nil, "v1", "tenants", id), nil)
}

// UpdateTenant changes a tenant's name, disabled flag or settings:
// PATCH /v1/tenants/{id}.
func (c *Client) UpdateTenant(ctx context.Context, id string, u types.TenantUpdate) (types.Tenant, error) {
	return do[types.Tenant](ctx, c, http.MethodPatch, c.endpoint(nil, "v1", "tenants", id), u)
}

// DeleteTenant deletes a tenant: DELETE /v1/tenants/{id}.
func (c *Client) DeleteTenant(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, c.endpoint(nil, "v1", "tenants", id), nil, nil)
}

// CreateKey makes an API key for a tenant: POST /v1/tenants/{id}/keys.
// The answer's Key is shown this once.
func (c *Client) CreateKey(ctx context.Context, tenant string) (types.NewAPIKey, error) {
	return do[types.NewAPIKey](ctx, c, http.MethodPost, c.endpoint(nil, "v1", "tenants", tenant, "keys"), struct{}{})
}

// ListKeys lists a tenant's keys, without their secrets:
// GET /v1/tenants/{id}/keys.
func (c *Client) ListKeys(ctx context.Context, tenant string) ([]types.APIKey, error) {
	return list[types.APIKey](ctx, c, c.endpoint(nil, "v1", "tenants", tenant, "keys"), "keys")
}

// DeleteKey revokes a tenant's key: DELETE /v1/tenants/{id}/keys/{key_id}.
func (c *Client) DeleteKey(ctx context.Context, tenant, keyID string) error {
	return c.call(ctx, http.MethodDelete, c.endpoint(nil, "v1", "tenants", tenant, "keys", keyID), nil, nil)
}

// Usage is the caller's tenant's usage and quotas: GET /v1/usage.
func (c *Client) Usage(ctx context.Context) (types.Usage, error) {
	return do[types.Usage](ctx, c, http.MethodGet, c.endpoint(nil, "v1", "usage"), nil)
}

// TenantUsage is a tenant's usage and quotas (admin key):
// GET /v1/tenants/{id}/usage.
func (c *Client) TenantUsage(ctx context.Context, id string) (types.Usage, error) {
	return do[types.Usage](ctx, c, http.MethodGet, c.endpoint(nil, "v1", "tenants", id, "usage"), nil)
}
