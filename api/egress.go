package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/roomcast/roomcast/api/types"
)

// Egress runs egress jobs: in process today, over NATS later.
type Egress interface {
	Start(ctx context.Context, tenant string, spec types.Spec) (types.Info, error)
	Get(ctx context.Context, id string) (types.Info, error)
	List(ctx context.Context, f types.Filter) ([]types.Info, error)
	Update(ctx context.Context, id string, u types.Update) (types.Info, error)
	Stop(ctx context.Context, id string) (types.Info, error)
}

func (s *Server) egressRoutes(v1 func(string, http.HandlerFunc)) {
	if s.cfg.Egress == nil {
		return
	}
	v1("POST /v1/egress", s.startEgress)
	v1("GET /v1/egress", s.listEgress)
	v1("GET /v1/egress/{id}", s.getEgress)
	v1("PATCH /v1/egress/{id}", s.updateEgress)
	v1("DELETE /v1/egress/{id}", s.stopEgress)
}

func (s *Server) startEgress(w http.ResponseWriter, r *http.Request) {
	var spec types.Spec
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &spec); err != nil {
		writeBodyError(w, status, err)
		return
	}
	spec = s.withTenantDefaults(r, spec).WithDefaults()
	if err := spec.Validate(s.cfg.ParseRTMP); err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	if err := s.checkTargets(r.Context(), "outputs.rtmp", spec.Outputs.RTMP); err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	if err := s.checkRoomAndParticipant(r, spec); err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	if err := s.checkStartQuotas(r.Context(), r, spec); err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	info, err := s.cfg.Egress.Start(r.Context(), tenantOf(r), spec)
	if err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/egress/"+info.ID)
	writeJSON(w, http.StatusCreated, info)
}

// checkRoomAndParticipant answers 400 naming the field for an unknown
// room, or an unknown participant in layout "single".
func (s *Server) checkRoomAndParticipant(r *http.Request, spec types.Spec) error {
	info, err := s.rooms(r).Get(spec.Room)
	if err != nil {
		return &types.FieldError{Field: "room", Reason: fmt.Sprintf("no room named %q", spec.Room)}
	}
	if spec.Layout != types.LayoutSingle {
		return nil
	}
	for _, p := range info.Participants {
		if p.Name == spec.Participant {
			return nil
		}
	}
	return &types.FieldError{Field: "participant", Reason: fmt.Sprintf("no participant named %q in room %q", spec.Participant, spec.Room)}
}

// ownJob fetches a job of the caller's tenant; others' jobs are not found.
func (s *Server) ownJob(w http.ResponseWriter, r *http.Request) (types.Info, bool) {
	info, err := s.cfg.Egress.Get(r.Context(), r.PathValue("id"))
	if err == nil && info.Tenant != tenantOf(r) {
		err = types.ErrNotFound
	}
	if err != nil {
		s.writeEgressError(w, r, err)
		return info, false
	}
	return info, true
}

func (s *Server) getEgress(w http.ResponseWriter, r *http.Request) {
	if info, ok := s.ownJob(w, r); ok {
		writeJSON(w, http.StatusOK, info)
	}
}

func (s *Server) listEgress(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := types.Filter{Tenant: tenantOf(r), Room: q.Get("room")}
	if v := q.Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeFieldError(w, http.StatusBadRequest, "active", "active: want true or false")
			return
		}
		f.ActiveOnly = b
	}
	jobs, err := s.cfg.Egress.List(r.Context(), f)
	if err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	if jobs == nil {
		jobs = []types.Info{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"egress": jobs})
}

func (s *Server) updateEgress(w http.ResponseWriter, r *http.Request) {
	var u types.Update
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &u); err != nil {
		writeBodyError(w, status, err)
		return
	}
	for i, t := range u.AddRTMP {
		if err := t.Validate(fmt.Sprintf("add_rtmp[%d]", i), s.cfg.ParseRTMP); err != nil {
			s.writeEgressError(w, r, err)
			return
		}
	}
	if err := s.checkTargets(r.Context(), "add_rtmp", u.AddRTMP); err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	if u.ChangesLayout() {
		// The canvas is checked by the job; the fields here do not need it.
		if err := u.LayoutSpec.Validate(types.MaxWidth, types.MaxWidth); err != nil {
			s.writeEgressError(w, r, err)
			return
		}
	} else if u.Fit != "" || u.Thumbnails != nil || u.Regions != nil || u.Participant != "" {
		s.writeEgressError(w, r, &types.FieldError{Field: "layout", Reason: "required to change the layout's options"})
		return
	}
	job, ok := s.ownJob(w, r)
	if !ok {
		return
	}
	if !job.Active() {
		s.writeEgressError(w, r, types.ErrEnded)
		return
	}
	if err := s.checkUpdateQuotas(r, job, u); err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	info, err := s.cfg.Egress.Update(r.Context(), r.PathValue("id"), u)
	if err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) stopEgress(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ownJob(w, r); !ok {
		return
	}
	info, err := s.cfg.Egress.Stop(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) writeEgressError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *types.FieldError
	var qe *quotaError
	switch {
	case errors.As(err, &qe):
		writeQuotaError(w, qe)
	case errors.As(err, &fe):
		writeFieldError(w, http.StatusBadRequest, fe.Field, err.Error())
	case errors.Is(err, types.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such egress job")
	case errors.Is(err, types.ErrEnded), errors.Is(err, types.ErrNotRunning):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, types.ErrUnavailable):
		s.log.Warn("egress request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "job bus unavailable, try again")
	default:
		s.log.Error("egress request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}
