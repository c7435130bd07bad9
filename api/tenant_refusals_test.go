package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
)

// TestTenantWebhookRefusedRange: a tenant's webhook URL whose host the
// outbound policy refuses is a 400 naming settings.webhook.url, and is not
// stored.
func TestTenantWebhookRefusedRange(t *testing.T) {
	s := newTenantServer(t, func(c *Config) {
		var p *outbound.Policy // the default refusals
		c.CheckURL = func(ctx context.Context, raw string) error {
			u, err := url.Parse(raw)
			if err != nil {
				return err
			}
			return p.CheckHost(ctx, u.Hostname())
		}
	})
	for _, hook := range []string{"http://169.254.169.254/latest", "https://10.0.0.7/hooks", "http://127.0.0.1:4222/"} {
		body := `{"id":"acme","settings":{"webhook":{"url":"` + hook + `","secret":"whsec-0123456789abcdef"}}}`
		r := s.do(t, adminKey, "POST", "/v1/tenants", body)
		if e := errorShape(t, r); r.status != http.StatusBadRequest || e.Field != "settings.webhook.url" {
			t.Errorf("webhook %s: %d %+v", hook, r.status, e)
		}
	}
	if r := s.do(t, adminKey, "GET", "/v1/tenants/acme", ""); r.status != http.StatusNotFound {
		t.Errorf("a refused tenant was stored: %d", r.status)
	}
}

// TestTokensOfGoneTenants: a disabled or deleted tenant's join tokens get
// 401 unknown_tenant.
func TestTokensOfGoneTenants(t *testing.T) {
	s := newTenantServer(t, nil)
	for _, step := range []struct{ name, method, body string }{
		{"disabled", "PATCH", `{"disabled":true}`},
		{"deleted", "DELETE", ""},
	} {
		t.Run(step.name, func(t *testing.T) {
			if r := s.do(t, adminKey, "POST", "/v1/tenants", `{"id":"gone"}`); r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			k := createdKey(t, s, "gone")
			waitKey(t, s, k)
			if r := s.do(t, k, "POST", "/v1/rooms", `{"name":"r"}`); r.status != http.StatusCreated {
				t.Fatalf("room: %d", r.status)
			}
			tok := mintToken(t, s, k, "r")
			if r := s.do(t, adminKey, step.method, "/v1/tenants/gone", step.body); r.status >= 300 {
				t.Fatalf("%s: %d %s", step.name, r.status, r.body)
			}
			deadline := time.Now().Add(2 * time.Second)
			for {
				r := s.do(t, tok, "DELETE", "/v1/rooms/r/whip/PA_none", "")
				if r.status == http.StatusUnauthorized {
					if e := errorShape(t, r); e.Code != "unknown_tenant" {
						t.Errorf("code %q, want unknown_tenant", e.Code)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the %s tenant's token still works: %d", step.name, r.status)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if step.method == "PATCH" {
				if r := s.do(t, adminKey, "DELETE", "/v1/tenants/gone", ""); r.status != http.StatusNoContent {
					t.Fatalf("clean up: %d", r.status)
				}
				// Its keys go from the cache with it: the next subtest's
				// tenant of the same id starts clean.
				waitGone(t, s, k)
			}
		})
	}
}

// waitKey waits until a new key works: the tenant store's cache learns
// of it through its watch, within 2 s.
func waitKey(t *testing.T, s *tenantServer, key string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for s.do(t, key, "GET", "/v1/rooms", "").status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("a new key does not work after 2 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGone waits until a key no longer works.
func waitGone(t *testing.T, s *tenantServer, key string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for s.do(t, key, "GET", "/v1/rooms", "").status != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("a deleted tenant's key still works after 2 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func createdKey(t *testing.T, s *tenantServer, tenant string) string {
	t.Helper()
	r := s.do(t, adminKey, "POST", "/v1/tenants/"+tenant+"/keys", "")
	i := strings.Index(r.body, `"key":"`)
	if r.status != http.StatusCreated || i < 0 {
		t.Fatalf("key: %d %s", r.status, r.body)
	}
	rest := r.body[i+len(`"key":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func mintToken(t *testing.T, s *tenantServer, key, room string) string {
	t.Helper()
	r := s.do(t, key, "POST", "/v1/rooms/"+room+"/tokens", `{"name":"p","publish":true}`)
	i := strings.Index(r.body, `"token":"`)
	if r.status != http.StatusCreated || i < 0 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	rest := r.body[i+len(`"token":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}
