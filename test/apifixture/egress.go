package apifixture

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress/rtmp"
)

// Egress keeps jobs in memory, as the job bus would show them, and runs
// none: nothing is dialled. Targets show redacted, as workers report
// them.
type Egress struct {
	mu   sync.Mutex
	jobs []*types.Info
	n    int
	// Specs are the requests started, as the API passed them on.
	Specs []types.Spec
}

// NewEgress returns an empty Egress.
func NewEgress() *Egress { return &Egress{} }

// Start takes a job: active at once.
func (e *Egress) Start(_ context.Context, tenant string, spec types.Spec) (types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	now := time.Now().UTC()
	info := &types.Info{
		ID: fmt.Sprintf("EG_%04d", e.n), Tenant: tenant, Room: spec.Room, Layout: spec.Layout,
		Status: types.StatusActive, Worker: "w1", Kind: "composite", CreatedAt: now, StartedAt: &now,
		Video: spec.Video, Outputs: types.OutputsInfo{RTMP: []types.RTMPInfo{}},
	}
	e.addTargets(info, spec.Outputs.RTMP)
	if spec.Outputs.Record != nil {
		info.Outputs.Record = &types.RecordInfo{RecordingID: fmt.Sprintf("REC_%04d", e.n), State: types.StateLive}
	}
	e.jobs = append(e.jobs, info)
	e.Specs = append(e.Specs, spec)
	return *info, nil
}

func (e *Egress) addTargets(info *types.Info, ts []types.Target) {
	for _, t := range ts {
		e.n++
		pt, _ := rtmp.ParseTarget(t.URL)
		info.Outputs.RTMP = append(info.Outputs.RTMP, types.RTMPInfo{
			ID: fmt.Sprintf("out_%d", e.n), URL: pt.Redacted(), Canvas: t.Canvas,
			State: types.StateLive, Bytes: 123456, BitrateKbps: 2500, MaxRetrySeconds: t.MaxRetrySeconds,
		})
	}
}

func (e *Egress) find(id string) (*types.Info, error) {
	for _, j := range e.jobs {
		if j.ID == id {
			return j, nil
		}
	}
	return nil, types.ErrNotFound
}

// Get returns a job.
func (e *Egress) Get(_ context.Context, id string) (types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j, err := e.find(id)
	if err != nil {
		return types.Info{}, err
	}
	return *j, nil
}

// List returns the jobs f selects, newest first.
func (e *Egress) List(_ context.Context, f types.Filter) ([]types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []types.Info
	for _, j := range slices.Backward(e.jobs) {
		if j.Tenant == f.Tenant && (f.Room == "" || j.Room == f.Room) && (!f.ActiveOnly || j.Active()) {
			out = append(out, *j)
		}
	}
	return out, nil
}

// Update adds and removes targets and switches the layout.
func (e *Egress) Update(_ context.Context, id string, u types.Update) (types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j, err := e.find(id)
	if err != nil {
		return types.Info{}, err
	}
	for _, out := range u.RemoveRTMP {
		i := slices.IndexFunc(j.Outputs.RTMP, func(r types.RTMPInfo) bool { return r.ID == out })
		if i < 0 {
			return types.Info{}, &types.FieldError{Field: "remove_rtmp", Reason: fmt.Sprintf("no output %q", out)}
		}
		j.Outputs.RTMP = slices.Delete(j.Outputs.RTMP, i, i+1)
	}
	e.addTargets(j, u.AddRTMP)
	if u.ChangesLayout() {
		j.Layout = u.Layout
	}
	return *j, nil
}

// Stop ends a job: complete, its outputs stopped.
func (e *Egress) Stop(_ context.Context, id string) (types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j, err := e.find(id)
	if err != nil {
		return types.Info{}, err
	}
	now := time.Now().UTC()
	j.Status, j.EndedAt = types.StatusComplete, &now
	for i := range j.Outputs.RTMP {
		j.Outputs.RTMP[i].State = types.StateStopped
	}
	if r := j.Outputs.Record; r != nil {
		r.State = types.StateStopped
	}
	return *j, nil
}
