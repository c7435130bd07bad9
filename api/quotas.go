package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress/rtmp"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/room"
)

// quotaError is a refusal by one of the tenant's quotas: 403
// quota_exceeded, naming the field it is about.
type quotaError struct{ field, reason string }

func (e *quotaError) Error() string { return e.field + ": " + e.reason }

func writeQuotaError(w http.ResponseWriter, e *quotaError) {
	writeAPIError(w, http.StatusForbidden, apiError{Code: "quota_exceeded", Message: e.Error(), Field: e.field})
}

// settingsOf is the request's tenant's settings (none without a store).
func (s *Server) settingsOf(r *http.Request) tenants.Settings {
	if s.cfg.Tenants == nil {
		return tenants.Settings{}
	}
	t, _ := s.cfg.Tenants.Tenant(tenantOf(r))
	return t.Settings
}

// roomOptions are a new room's options under the tenant's quotas, or the
// quota it would break.
func (s *Server) roomOptions(r *http.Request) (room.CreateOptions, *quotaError) {
	q := s.settingsOf(r).Quotas
	if q.Rooms > 0 && s.rooms(r).Len() >= q.Rooms {
		return room.CreateOptions{}, &quotaError{"name", fmt.Sprintf("the tenant has its quota of %d rooms", q.Rooms)}
	}
	return room.CreateOptions{MaxParticipants: q.ParticipantsPerRoom}, nil
}

// withTenantDefaults fills what a job leaves unset from the tenant's
// defaults: layout, canvas and branding.
func (s *Server) withTenantDefaults(r *http.Request, spec types.Spec) types.Spec {
	d, err := decodeDefaults(s.settingsOf(r))
	if err != nil {
		s.log.Warn("tenant defaults unreadable; not applied", "tenant", tenantOf(r), "err", err)
		return spec
	}
	if spec.Layout == "" && d.Layout != "" {
		spec.Layout = d.Layout
	}
	if c := d.Canvas; c != nil && spec.Video.Width == 0 && spec.Video.Height == 0 {
		v := spec.Video
		v.Width, v.Height = c.Width, c.Height
		if v.FPS == 0 {
			v.FPS = c.FPS
		}
		if v.BitrateKbps == 0 {
			v.BitrateKbps = c.BitrateKbps
		}
		if v.Background == "" {
			v.Background = c.Background
		}
		spec.Video = v
	}
	if spec.Branding == nil && d.Branding != nil {
		spec.Branding = d.Branding
	}
	return spec
}

// checkStartQuotas checks a new job against the tenant's quotas and
// allowed RTMP hosts.
func (s *Server) checkStartQuotas(ctx context.Context, r *http.Request, spec types.Spec) error {
	st := s.settingsOf(r)
	if err := checkHosts(st, "outputs.rtmp", spec.Outputs.RTMP); err != nil {
		return err
	}
	q := st.Quotas
	if q.TargetsPerJob > 0 && len(spec.Outputs.RTMP) > q.TargetsPerJob {
		return &quotaError{"outputs.rtmp", fmt.Sprintf("%d targets, the tenant's quota is %d per job", len(spec.Outputs.RTMP), q.TargetsPerJob)}
	}
	if q.ConcurrentJobs <= 0 {
		return nil
	}
	active, err := s.cfg.Egress.List(ctx, types.Filter{Tenant: tenantOf(r), ActiveOnly: true})
	if err != nil {
		return err
	}
	if len(active) >= q.ConcurrentJobs {
		return &quotaError{"room", fmt.Sprintf("the tenant runs its quota of %d jobs at once", q.ConcurrentJobs)}
	}
	return nil
}

// checkUpdateQuotas checks added targets against the tenant's quota and
// allowed hosts.
func (s *Server) checkUpdateQuotas(r *http.Request, job types.Info, u types.Update) error {
	st := s.settingsOf(r)
	if err := checkHosts(st, "add_rtmp", u.AddRTMP); err != nil {
		return err
	}
	q := st.Quotas.TargetsPerJob
	if q <= 0 || len(u.AddRTMP) == 0 {
		return nil
	}
	n := len(u.AddRTMP)
	for _, t := range job.Outputs.RTMP {
		if t.State != types.StateStopped && t.State != types.StateFailed {
			n++
		}
	}
	n -= len(u.RemoveRTMP)
	if n > q {
		return &quotaError{"add_rtmp", fmt.Sprintf("the job would have %d targets, the tenant's quota is %d", n, q)}
	}
	return nil
}

// checkHosts refuses a target whose host the tenant may not push to.
func checkHosts(st tenants.Settings, field string, ts []types.Target) error {
	if len(st.AllowedRTMPHosts) == 0 {
		return nil
	}
	for i, t := range ts {
		target, err := rtmp.ParseTarget(t.URL)
		if err != nil {
			continue // the spec's own check names it
		}
		if !st.RTMPHostAllowed(target.Host) {
			return &types.FieldError{Field: fmt.Sprintf("%s[%d].url", field, i), Reason: fmt.Sprintf("host %s is not among the tenant's allowed RTMP hosts", target.Host)}
		}
	}
	return nil
}
