package api

import (
	"net/http"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/storage/archive"
)

// tenantUsage is GET /v1/tenants/{id}/usage (admin key).
func (s *Server) tenantUsage(w http.ResponseWriter, r *http.Request) {
	t, err := s.cfg.Tenants.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeTenantError(w, r, err)
		return
	}
	s.writeUsage(w, r, t.ID, t.Settings.Quotas)
}

// ownUsage is GET /v1/usage: the caller's tenant's.
func (s *Server) ownUsage(w http.ResponseWriter, r *http.Request) {
	s.writeUsage(w, r, tenantOf(r), s.settingsOf(r).Quotas)
}

func (s *Server) writeUsage(w http.ResponseWriter, r *http.Request, tenant string, q tenants.Quotas) {
	u := types.Usage{Tenant: tenant, Quotas: types.TenantQuotas(q)}
	for _, room := range s.cfg.Rooms.In(tenant).List() {
		u.Rooms++
		u.Participants += len(room.Participants)
	}
	if s.cfg.Egress != nil {
		jobs, err := s.cfg.Egress.List(r.Context(), types.Filter{Tenant: tenant, ActiveOnly: true})
		if err != nil {
			s.writeEgressError(w, r, err)
			return
		}
		u.ActiveJobs = len(jobs)
	}
	if s.cfg.Recordings != nil {
		if err := s.countRecordings(r, tenant, &u); err != nil {
			s.log.Warn("usage: recordings", "tenant", tenant, "err", err)
			writeError(w, http.StatusServiceUnavailable, "recording store unavailable, try again")
			return
		}
	}
	writeJSON(w, http.StatusOK, u)
}

// countRecordings adds up the tenant's recordings and their size.
func (s *Server) countRecordings(r *http.Request, tenant string, u *types.Usage) error {
	q := archive.Query{Limit: archive.MaxLimit}
	for {
		page, err := s.cfg.Recordings.List(r.Context(), tenant, q)
		if err != nil {
			return err
		}
		for _, m := range page.Recordings {
			u.Recordings++
			u.RecordingBytes += m.Size
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}
