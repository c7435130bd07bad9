package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
)

// listingEgress is recordingEgress whose List answers every started job
// as active, for the concurrent-jobs quota.
type listingEgress struct{ recordingEgress }

func (e *listingEgress) List(_ context.Context, f types.Filter) ([]types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []types.Info
	for _, s := range e.started {
		out = append(out, types.Info{Tenant: f.Tenant, Room: s.Room, Status: types.StatusActive})
	}
	return out, nil
}

// TestTenantQuotasAndDefaults: a tenant's quotas refuse the room, job or
// target over them with 403 quota_exceeded naming the field; its allowed
// RTMP hosts refuse others; its default layout, canvas and branding fill
// what a job leaves unset.
func TestTenantQuotasAndDefaults(t *testing.T) {
	eg := &listingEgress{}
	s := newTenantServer(t, func(c *Config) {
		c.Egress, c.ParseRTMP = eg, egress.ParseRTMP
		c.CheckRTMP = func(context.Context, string) error { return nil } // names here are never resolved
	})
	r := s.do(t, adminKey, "PATCH", "/v1/tenants/"+configs.DefaultTenant, `{"settings":{
		"quotas":{"rooms":1,"participants_per_room":3,"concurrent_jobs":1,"targets_per_job":2},
		"allowed_rtmp_hosts":["a.rtmp.youtube.com","*.twitch.tv"],
		"layout":"grid","canvas":{"width":1280,"height":720,"background":"#102030"},
		"branding":{"title":{"text":"Acme Live"}}}}`)
	if r.status != http.StatusOK {
		t.Fatalf("settings: %d %s", r.status, r.body)
	}
	quota := func(r result, field string) {
		t.Helper()
		e := errorShape(t, r)
		if r.status != http.StatusForbidden || e.Code != "quota_exceeded" || e.Field != field {
			t.Errorf("%d %+v, want 403 quota_exceeded naming %s", r.status, e, field)
		}
	}
	if r := s.do(t, key, "POST", "/v1/rooms", `{"name":"r1"}`); r.status != http.StatusCreated {
		t.Fatalf("first room: %d %s", r.status, r.body)
	}
	quota(s.do(t, key, "POST", "/v1/rooms", `{"name":"r2"}`), "name")
	if rm, err := s.rooms.In(configs.DefaultTenant).Get("r1"); err != nil || rm.Name != "r1" {
		t.Fatalf("r1: %v", err)
	}

	three := `{"room":"r1","outputs":{"rtmp":["rtmp://a.rtmp.youtube.com/live2/k1","rtmp://live.twitch.tv/app/k2","rtmp://x.twitch.tv/app/k3"]}}`
	quota(s.do(t, key, "POST", "/v1/egress", three), "outputs.rtmp")
	other := `{"room":"r1","outputs":{"rtmp":["rtmp://a.rtmp.youtube.com/live2/k1","rtmp://rtmp.example.net/live/k2"]}}`
	r = s.do(t, key, "POST", "/v1/egress", other)
	if e := errorShape(t, r); r.status != http.StatusBadRequest || e.Field != "outputs.rtmp[1].url" {
		t.Errorf("a host not allowed: %d %+v", r.status, e)
	}
	twitchItself := `{"room":"r1","outputs":{"rtmp":["rtmp://twitch.tv/app/k2"]}}`
	if r := s.do(t, key, "POST", "/v1/egress", twitchItself); r.status != http.StatusBadRequest {
		t.Errorf("*.twitch.tv let twitch.tv through: %d", r.status)
	}
	good := `{"room":"r1","outputs":{"rtmp":["rtmp://a.rtmp.youtube.com/live2/k1"]}}`
	if r := s.do(t, key, "POST", "/v1/egress", good); r.status != http.StatusCreated {
		t.Fatalf("good job: %d %s", r.status, r.body)
	}
	quota(s.do(t, key, "POST", "/v1/egress", good), "room")

	eg.mu.Lock()
	spec := eg.started[0]
	eg.mu.Unlock()
	if spec.Layout != types.LayoutGrid || spec.Video.Width != 1280 || spec.Video.Background != "#102030" || spec.Branding == nil || spec.Branding.Title == nil || spec.Branding.Title.Text != "Acme Live" {
		t.Errorf("tenant defaults not applied: layout %q video %+v branding %+v", spec.Layout, spec.Video, spec.Branding)
	}
	// A job's own choices win over the defaults.
	eg.mu.Lock()
	eg.started = nil
	eg.mu.Unlock()
	own := `{"room":"r1","layout":"speaker","video":{"width":640,"height":360},"branding":{"labels":false},"outputs":{"rtmp":["rtmp://a.rtmp.youtube.com/live2/k1"]}}`
	if r := s.do(t, key, "POST", "/v1/egress", own); r.status != http.StatusCreated {
		t.Fatalf("own job: %d %s", r.status, r.body)
	}
	eg.mu.Lock()
	spec = eg.started[0]
	eg.mu.Unlock()
	if spec.Layout != types.LayoutSpeaker || spec.Video.Width != 640 || spec.Video.Background != "" || spec.Branding.Title != nil {
		t.Errorf("job's own choices overridden: layout %q video %+v branding %+v", spec.Layout, spec.Video, spec.Branding)
	}
}
