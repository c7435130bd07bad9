package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/natstest"
)

const adminKey = "admin-key-0123456789abcdef"

// tenantServer is an API server with a real tenant store on an embedded
// NATS, the config tenant "default" (key), and the admin key.
type tenantServer struct {
	ts    *httptest.Server
	srv   *Server
	store *tenants.Store
	rooms *room.Manager
}

func newTenantServer(t *testing.T, tweak func(*Config)) *tenantServer {
	t.Helper()
	js, _ := natstest.JetStream(t, natstest.StartNATS(t))
	k, err := seal.GenerateKey("t1")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.ParseKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := tenants.Open(ctx, js, ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Ensure(ctx, configs.DefaultTenant); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = store.Run(runCtx) })
	t.Cleanup(func() { stop(); wg.Wait() })
	if err := store.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	rooms, err := room.NewManager(room.Config{RTC: rtc.Options{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Keys: []configs.APIKey{{Tenant: configs.DefaultTenant, Key: key}}, AdminKey: adminKey, Tenants: store, Rooms: rooms}
	if tweak != nil {
		tweak(&cfg)
	}
	s := New(cfg)
	ts := httptest.NewServer(capture(t, s))
	t.Cleanup(func() { ts.Close(); rooms.Close() })
	return &tenantServer{ts: ts, srv: s, store: store, rooms: rooms}
}

func (s *tenantServer) do(t *testing.T, key, method, path, body string) result {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	return call(t, s.ts, method, path, "Bearer "+key, ctype, body)
}

// TestTenantAdmin: the admin key creates, lists, updates and deletes
// tenants and their keys; a new key works at once and stops working
// when revoked; the admin key is not a tenant key and a tenant key is
// not the admin key; answers never show a secret.
func TestTenantAdmin(t *testing.T) {
	s := newTenantServer(t, nil)
	r := s.do(t, adminKey, "POST", "/v1/tenants", `{"id":"acme","name":"Acme","settings":{"webhook":{"url":"https://hooks.acme.test/rc","secret":"whsec-acme-very-secret"},"quotas":{"rooms":2}}}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, "whsec-acme") || !strings.Contains(r.body, secretMark) {
		t.Errorf("create answer shows the webhook secret or no mark: %s", r.body)
	}
	if r := s.do(t, adminKey, "POST", "/v1/tenants", `{"id":"acme"}`); r.status != http.StatusConflict {
		t.Errorf("second acme: %d", r.status)
	}
	for _, c := range []struct{ body, field string }{
		{`{"id":"Bad Id"}`, "id"},
		{`{"id":"ok","settings":{"layout":"custom"}}`, "settings.layout"},
		{`{"id":"ok","settings":{"canvas":{"width":4000,"height":720}}}`, "settings.canvas.width"},
		{`{"id":"ok","settings":{"branding":{"title":{"text":"x","position":"middle"}}}}`, "settings.branding.title.position"},
		{`{"id":"ok","settings":{"colour":"red"}}`, "settings.colour"},
		{`{"id":"ok","settings":{"quotas":{"rooms":-1}}}`, "settings.quotas.rooms"},
		{`{"id":"ok","settings":{"webhook":{"url":"ftp://x"}}}`, "settings.webhook.url"},
	} {
		r := s.do(t, adminKey, "POST", "/v1/tenants", c.body)
		if e := errorShape(t, r); r.status != http.StatusBadRequest || e.Field != c.field {
			t.Errorf("%s: %d field %q, want 400 naming %s (%s)", c.body, r.status, e.Field, c.field, e.Message)
		}
	}

	// PATCH replaces the settings it names and keeps the rest; the secret
	// sent back as the mark stays.
	r = s.do(t, adminKey, "PATCH", "/v1/tenants/acme", `{"settings":{"layout":"grid","webhook":{"url":"https://hooks.acme.test/v2","secret":"********"}}}`)
	if r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	got, err := s.store.Get(context.Background(), "acme")
	if err != nil || got.Settings.Webhook.Secret != "whsec-acme-very-secret" || got.Settings.Webhook.URL != "https://hooks.acme.test/v2" || got.Settings.Quotas.Rooms != 2 || string(got.Settings.Layout) != `"grid"` {
		t.Errorf("after patch: %+v %v", got.Settings, err)
	}

	// Keys: shown once, listed without the secret, working at once.
	r = s.do(t, adminKey, "POST", "/v1/tenants/acme/keys", "")
	var nk struct{ ID, Key, Prefix string }
	if err := json.Unmarshal([]byte(r.body), &nk); err != nil || r.status != http.StatusCreated || !strings.HasPrefix(nk.Key, nk.Prefix) {
		t.Fatalf("create key: %d %s", r.status, r.body)
	}
	if r := s.do(t, adminKey, "GET", "/v1/tenants/acme/keys", ""); r.status != http.StatusOK || strings.Contains(r.body, nk.Key) || !strings.Contains(r.body, nk.ID) {
		t.Errorf("list keys: %d %s", r.status, r.body)
	}
	waitKey(t, s, nk.Key)
	if r := s.do(t, nk.Key, "POST", "/v1/rooms", `{"name":"demo"}`); r.status != http.StatusCreated {
		t.Errorf("acme's new key: %d %s", r.status, r.body)
	}
	// The admin key is no tenant key, and no tenant key is the admin key.
	if r := s.do(t, adminKey, "GET", "/v1/rooms", ""); r.status != http.StatusUnauthorized {
		t.Errorf("admin key on rooms: %d", r.status)
	}
	for _, k := range []string{key, nk.Key} {
		if r := s.do(t, k, "GET", "/v1/tenants", ""); r.status != http.StatusUnauthorized {
			t.Errorf("tenant key on /v1/tenants: %d", r.status)
		}
	}
	if r := s.do(t, adminKey, "DELETE", "/v1/tenants/default/keys/"+nk.ID, ""); r.status != http.StatusNotFound {
		t.Errorf("delete acme's key through default: %d", r.status)
	}
	if r := s.do(t, adminKey, "DELETE", "/v1/tenants/acme/keys/"+nk.ID, ""); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.do(t, nk.Key, "GET", "/v1/rooms", "").status != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("a revoked key still works after 2 s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	r = s.do(t, adminKey, "GET", "/v1/tenants", "")
	if r.status != http.StatusOK || !strings.Contains(r.body, `"acme"`) || !strings.Contains(r.body, `"default"`) || strings.Contains(r.body, "whsec-acme") {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	if r := s.do(t, adminKey, "DELETE", "/v1/tenants/acme", ""); r.status != http.StatusNoContent {
		t.Errorf("delete: %d", r.status)
	}
	if r := s.do(t, adminKey, "GET", "/v1/tenants/acme", ""); r.status != http.StatusNotFound {
		t.Errorf("deleted tenant: %d", r.status)
	}
}

// TestRateLimit: a key past its burst gets 429 with Retry-After, in the
// error shape; another key is not held up.
func TestRateLimit(t *testing.T) {
	s := newTenantServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 1, 3 })
	for i := range 3 {
		if r := s.do(t, key, "GET", "/v1/rooms", ""); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := s.do(t, key, "GET", "/v1/rooms", "")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("4th request: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	errorOf(t, r)
	if r := s.do(t, adminKey, "GET", "/v1/tenants", ""); r.status != http.StatusOK {
		t.Errorf("another key held up: %d", r.status)
	}
}
