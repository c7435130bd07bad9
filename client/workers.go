package client

import (
	"context"
	"net/http"

	"github.com/roomcast/roomcast/api/types"
)

// ListWorkers lists the egress workers: GET /v1/workers.
func (c *Client) ListWorkers(ctx context.Context) ([]types.Worker, error) {
	return list[types.Worker](ctx, c, c.endpoint(nil, "v1", "workers"), "workers")
}

// ListParkedWebhooks lists the caller's parked webhook events, oldest
// first: GET /v1/webhooks/parked.
func (c *Client) ListParkedWebhooks(ctx context.Context) ([]types.ParkedEvent, error) {
	return list[types.ParkedEvent](ctx, c, c.endpoint(nil, "v1", "webhooks", "parked"), "parked")
}

// RetryParkedWebhook queues a parked event for its endpoint again:
// POST /v1/webhooks/parked/{id}/retry.
func (c *Client) RetryParkedWebhook(ctx context.Context, id string) (types.ParkedEvent, error) {
	return do[types.ParkedEvent](ctx, c, http.MethodPost, c.endpoint(nil, "v1", "webhooks", "parked", id, "retry"), nil)
}
