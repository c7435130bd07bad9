package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress"
)

// TestUsage: the admin key reads a tenant's usage, the tenant's own key
// its own, each beside the quotas; neither reads through the other's
// route, and an unknown tenant is 404.
func TestUsage(t *testing.T) {
	eg := &listingEgress{}
	s := newTenantServer(t, func(c *Config) {
		c.Egress, c.ParseRTMP = eg, egress.ParseRTMP
		c.CheckRTMP = func(context.Context, string) error { return nil }
	})
	if r := s.do(t, adminKey, "PATCH", "/v1/tenants/default", `{"settings":{"quotas":{"rooms":3,"concurrent_jobs":2}}}`); r.status != http.StatusOK {
		t.Fatalf("quotas: %d %s", r.status, r.body)
	}
	for _, name := range []string{"a", "b"} {
		if r := s.do(t, key, "POST", "/v1/rooms", `{"name":"`+name+`"}`); r.status != http.StatusCreated {
			t.Fatalf("room %s: %d", name, r.status)
		}
	}
	if r := s.do(t, key, "POST", "/v1/egress", `{"room":"a","outputs":{"rtmp":["rtmp://a.rtmp.youtube.com/live2/k"]}}`); r.status != http.StatusCreated {
		t.Fatalf("job: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ key, path string }{{adminKey, "/v1/tenants/default/usage"}, {key, "/v1/usage"}} {
		r := s.do(t, c.key, "GET", c.path, "")
		var u types.Usage
		if err := json.Unmarshal([]byte(r.body), &u); err != nil || r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, r.status, r.body)
		}
		if u.Tenant != "default" || u.Rooms != 2 || u.ActiveJobs != 1 || u.Quotas.Rooms != 3 || u.Quotas.ConcurrentJobs != 2 {
			t.Errorf("%s: %+v", c.path, u)
		}
	}
	for _, c := range []struct {
		key, path string
		status    int
	}{
		{key, "/v1/tenants/default/usage", http.StatusUnauthorized},
		{adminKey, "/v1/usage", http.StatusUnauthorized},
		{adminKey, "/v1/tenants/ghost/usage", http.StatusNotFound},
	} {
		if r := s.do(t, c.key, "GET", c.path, ""); r.status != c.status {
			t.Errorf("%s: %d, want %d", c.path, r.status, c.status)
		} else {
			errorOf(t, r)
		}
	}
}
