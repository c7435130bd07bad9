package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/roomcast/roomcast/api/types"
)

// EgressFilter selects jobs in ListEgress; zero fields select all.
type EgressFilter struct {
	Room   string
	Active bool // only jobs that have not ended
}

// StartEgress starts a job: POST /v1/egress. The server fills in the
// spec's defaults.
func (c *Client) StartEgress(ctx context.Context, spec types.Spec) (types.Info, error) {
	return do[types.Info](ctx, c, http.MethodPost, c.endpoint(nil, "v1", "egress"), spec)
}

// ListEgress lists the caller's jobs, newest first: GET /v1/egress.
func (c *Client) ListEgress(ctx context.Context, f EgressFilter) ([]types.Info, error) {
	q := url.Values{}
	if f.Room != "" {
		q.Set("room", f.Room)
	}
	if f.Active {
		q.Set("active", "true")
	}
	return list[types.Info](ctx, c, c.endpoint(q, "v1", "egress"), "egress")
}

// GetEgress describes a job: GET /v1/egress/{id}.
func (c *Client) GetEgress(ctx context.Context, id string) (types.Info, error) {
	return do[types.Info](ctx, c, http.MethodGet, c.endpoint(nil, "v1", "egress", id), nil)
}

// UpdateEgress changes a live job's RTMP targets or layout:
// PATCH /v1/egress/{id}.
func (c *Client) UpdateEgress(ctx context.Context, id string, u types.Update) (types.Info, error) {
	return do[types.Info](ctx, c, http.MethodPatch, c.endpoint(nil, "v1", "egress", id), u)
}

// StopEgress stops a job and returns it as it ended:
// DELETE /v1/egress/{id}.
func (c *Client) StopEgress(ctx context.Context, id string) (types.Info, error) {
	return do[types.Info](ctx, c, http.MethodDelete, c.endpoint(nil, "v1", "egress", id), nil)
}
