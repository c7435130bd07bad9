package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/roomcast/roomcast/jobs/webhook"
)

// WebhookParking lists and retries a tenant's parked webhook events.
type WebhookParking interface {
	List(ctx context.Context, tenant string) ([]webhook.Parked, error)
	Retry(ctx context.Context, tenant, id string) (webhook.Parked, error)
}

func (s *Server) webhookRoutes(v1 func(string, http.HandlerFunc)) {
	if s.cfg.Webhooks == nil {
		return
	}
	v1("GET /v1/webhooks/parked", s.listParked)
	v1("POST /v1/webhooks/parked/{id}/retry", s.retryParked)
}

// listParked is GET /v1/webhooks/parked: the caller's tenant's parked
// events, oldest first.
func (s *Server) listParked(w http.ResponseWriter, r *http.Request) {
	parked, err := s.cfg.Webhooks.List(r.Context(), tenantOf(r))
	if err != nil {
		s.log.Warn("list parked webhook events", "err", err)
		writeError(w, http.StatusServiceUnavailable, "job bus unavailable, try again")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"parked": parked})
}

// retryParked is POST /v1/webhooks/parked/{id}/retry: 202 once the event
// is queued again for its endpoint; 404 for an id of another tenant.
func (s *Server) retryParked(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Webhooks.Retry(r.Context(), tenantOf(r), r.PathValue("id"))
	switch {
	case errors.Is(err, webhook.ErrParkedNotFound):
		writeError(w, http.StatusNotFound, "no such parked webhook event")
	case err != nil:
		s.log.Warn("retry parked webhook event", "err", err)
		writeError(w, http.StatusServiceUnavailable, "job bus unavailable, try again")
	default:
		writeJSON(w, http.StatusAccepted, p)
	}
}
