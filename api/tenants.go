package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/jobs/tenants"
)

// secretMark stands for a secret in answers; sent back in a PATCH it
// keeps the stored secret.
const secretMark = "********"

func (s *Server) tenantRoutes() {
	if s.cfg.Tenants == nil || s.cfg.AdminKey == "" {
		return
	}
	admin := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, s.auth.require(accessAdmin, h)) }
	admin("POST /v1/tenants", s.createTenant)
	admin("GET /v1/tenants", s.listTenants)
	admin("GET /v1/tenants/{id}", s.getTenant)
	admin("PATCH /v1/tenants/{id}", s.patchTenant)
	admin("DELETE /v1/tenants/{id}", s.deleteTenant)
	admin("POST /v1/tenants/{id}/keys", s.createKey)
	admin("GET /v1/tenants/{id}/keys", s.listKeys)
	admin("DELETE /v1/tenants/{id}/keys/{key_id}", s.deleteKey)
	admin("GET /v1/tenants/{id}/usage", s.tenantUsage)
}

// tenantRequest is the body of POST and PATCH /v1/tenants: in a PATCH,
// fields left out keep their value, and each settings field given
// replaces that setting.
type tenantRequest struct {
	ID       string          `json:"id"`
	Name     *string         `json:"name"`
	Disabled *bool           `json:"disabled"`
	Settings json.RawMessage `json:"settings"`
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request) {
	var req tenantRequest
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		writeBodyError(w, status, err)
		return
	}
	t := tenants.Tenant{ID: req.ID}
	if err := applyTenant(&t, req); err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	if err := s.checkOutside(r.Context(), t, req); err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	t, err := s.cfg.Tenants.Create(r.Context(), t)
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	s.log.Info("tenant created", "tenant", t.ID)
	w.Header().Set("Location", "/v1/tenants/"+url.PathEscape(t.ID))
	writeJSON(w, http.StatusCreated, t.Redacted())
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) {
	ts, err := s.cfg.Tenants.List(r.Context())
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	out := make([]tenants.Tenant, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Redacted())
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) {
	t, err := s.cfg.Tenants.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t.Redacted())
}

func (s *Server) patchTenant(w http.ResponseWriter, r *http.Request) {
	var req tenantRequest
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		writeBodyError(w, status, err)
		return
	}
	id := r.PathValue("id")
	if req.ID != "" && req.ID != id {
		writeFieldError(w, http.StatusBadRequest, "id", "id: a tenant's id cannot change")
		return
	}
	// The checks that reach out (DNS, the tenant's bucket) run once, on
	// the tenant as it is now; the update then applies the request again
	// to the latest record, without I/O.
	cur, err := s.cfg.Tenants.Get(r.Context(), id)
	if err == nil {
		err = applyTenant(&cur, req)
	}
	if err == nil {
		err = s.checkOutside(r.Context(), cur, req)
	}
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	t, err := s.cfg.Tenants.Update(r.Context(), id, func(t *tenants.Tenant) error { return applyTenant(t, req) })
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	s.log.Info("tenant updated", "tenant", t.ID)
	writeJSON(w, http.StatusOK, t.Redacted())
}

func (s *Server) deleteTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.cfg.Tenants.Delete(r.Context(), id); err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	s.log.Info("tenant deleted", "tenant", id)
	s.closeTenant(r.Context(), id)
	w.WriteHeader(http.StatusNoContent)
}

// closeTenant ends a deleted tenant's rooms and jobs on this node. Its
// keys and join tokens already fail everywhere.
func (s *Server) closeTenant(ctx context.Context, id string) {
	rooms := s.cfg.Rooms.In(id)
	for _, info := range rooms.List() {
		_ = rooms.Delete(info.Name)
	}
	if s.cfg.Egress == nil {
		return
	}
	jobs, err := s.cfg.Egress.List(ctx, types.Filter{Tenant: id, ActiveOnly: true})
	if err != nil {
		s.log.Warn("deleted tenant: list its jobs", "tenant", id, "err", err)
		return
	}
	for _, j := range jobs {
		if _, err := s.cfg.Egress.Stop(ctx, j.ID); err != nil && !errors.Is(err, types.ErrEnded) {
			s.log.Warn("deleted tenant: stop job", "tenant", id, "egress_id", j.ID, "err", err)
		}
	}
}

// keyView is an API key as listings show it: never the key.
type keyView struct {
	ID        string    `json:"id"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
}

// newKeyView is the answer to POST /v1/tenants/{id}/keys: the only time
// the key is shown.
type newKeyView struct {
	keyView
	Key string `json:"key"`
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	k, secret, err := s.cfg.Tenants.CreateKey(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	s.log.Info("API key created", "tenant", k.Tenant, "key_id", k.ID)
	writeJSON(w, http.StatusCreated, newKeyView{keyView{k.ID, k.Prefix, k.CreatedAt}, secret})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.cfg.Tenants.ListKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	out := make([]keyView, 0, len(ks))
	for _, k := range ks {
		out = append(out, keyView{k.ID, k.Prefix, k.CreatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Tenants.DeleteKey(r.Context(), r.PathValue("id"), r.PathValue("key_id")); err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	s.log.Info("API key revoked", "tenant", r.PathValue("id"), "key_id", r.PathValue("key_id"))
	w.WriteHeader(http.StatusNoContent)
}

// writeTenantError maps tenant store errors to statuses.
func (s *Server) writeTenantError(w http.ResponseWriter, r *http.Request, err error) {
	var inv *tenants.InvalidError
	var fe *types.FieldError
	switch {
	case errors.As(err, &fe):
		writeFieldError(w, http.StatusBadRequest, fe.Field, err.Error())
	case errors.As(err, &inv):
		writeFieldError(w, http.StatusBadRequest, inv.Field, inv.Field+": "+inv.Reason)
	case errors.Is(err, tenants.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such tenant or key")
	case errors.Is(err, tenants.ErrExists):
		writeError(w, http.StatusConflict, "a tenant with this id exists")
	default:
		s.log.Warn("tenant request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "tenant store unavailable, try again")
	}
}
