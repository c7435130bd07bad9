package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/roomcast/roomcast/api/types"
)

// ownJobsEgress lists one job of the default tenant.
type ownJobsEgress struct{ recordingEgress }

func (e *ownJobsEgress) List(_ context.Context, f types.Filter) ([]types.Info, error) {
	if f.Tenant != "default" {
		return nil, nil
	}
	return []types.Info{{ID: "EG_MINE", Tenant: f.Tenant}}, nil
}

// TestWorkersShowOwnJobsOnly: a tenant sees every worker's load, and of
// their jobs only its own.
func TestWorkersShowOwnJobsOnly(t *testing.T) {
	ws := []types.Worker{{ID: "w1", Capacity: 400, Load: 200, Jobs: []string{"EG_MINE", "EG_THEIRS"}}, {ID: "w2", Jobs: []string{"EG_THEIRS"}}}
	s := newTenantServer(t, func(c *Config) {
		c.Egress = &ownJobsEgress{}
		c.Workers = func(context.Context) (any, error) { return ws, nil }
	})
	r := s.do(t, key, "GET", "/v1/workers", "")
	var v struct{ Workers []types.Worker }
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || r.status != http.StatusOK || len(v.Workers) != 2 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if j := v.Workers[0].Jobs; len(j) != 1 || j[0] != "EG_MINE" || v.Workers[0].Load != 200 {
		t.Errorf("w1: %+v", v.Workers[0])
	}
	if j := v.Workers[1].Jobs; j == nil || len(j) != 0 {
		t.Errorf("w2 jobs %#v, want []", j)
	}
}
