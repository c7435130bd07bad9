package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room"
)

// TestRoomsPerTenant: two tenants may both have a room called demo; each
// key sees only its tenant's rooms, another tenant's room is 404, and a
// service key reaches a tenant's rooms only by naming the tenant.
func TestRoomsPerTenant(t *testing.T) {
	rooms, err := room.NewManager(room.Config{RTC: rtc.Options{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	const keyA, keyB, svc = "key-of-acme-0123456789", "key-of-beta-0123456789", "service-key-0123456789"
	s := New(Config{Keys: []configs.APIKey{{Tenant: "acme", Key: keyA}, {Tenant: "beta", Key: keyB}}, ServiceKeys: []string{svc}, Rooms: rooms})
	ts := httptest.NewServer(capture(t, s))
	t.Cleanup(func() { ts.Close(); rooms.Close() })
	do := func(key, tenant, method, path, body string) result {
		t.Helper()
		ctype := ""
		if body != "" {
			ctype = "application/json"
		}
		var hdr []string
		if tenant != "" {
			hdr = []string{source.TenantHeader, tenant}
		}
		return call(t, ts, method, path, "Bearer "+key, ctype, body, hdr...)
	}
	for _, c := range []struct{ key, name string }{{keyA, "demo"}, {keyB, "demo"}, {keyA, "only-a"}} {
		if r := do(c.key, "", "POST", "/v1/rooms", `{"name":"`+c.name+`"}`); r.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", c.name, r.status, r.body)
		}
	}
	list := func(key, tenant string) []string {
		t.Helper()
		r := do(key, tenant, "GET", "/v1/rooms", "")
		var v struct{ Rooms []room.Info }
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		var out []string
		for _, i := range v.Rooms {
			out = append(out, i.Name)
		}
		return out
	}
	if got := list(keyB, ""); len(got) != 1 || got[0] != "demo" {
		t.Errorf("beta lists %v", got)
	}
	// A tenant key cannot borrow the service header.
	if got := list(keyB, "acme"); len(got) != 1 || got[0] != "demo" {
		t.Errorf("beta naming acme lists %v", got)
	}
	if got := list(svc, "acme"); len(got) != 2 {
		t.Errorf("service key for acme lists %v", got)
	}
	for _, path := range []string{"/v1/rooms/only-a", "/v1/rooms/only-a/history?since=2026-01-01T00:00:00Z"} {
		if r := do(keyB, "", "GET", path, ""); r.status != http.StatusNotFound {
			t.Errorf("beta GET %s: %d, want 404", path, r.status)
		} else {
			errorOf(t, r)
		}
	}
	if r := do(keyB, "", "DELETE", "/v1/rooms/only-a", ""); r.status != http.StatusNotFound {
		t.Errorf("beta DELETE acme's room: %d", r.status)
	}
	if r := do(keyA, "", "GET", "/v1/rooms/only-a", ""); r.status != http.StatusOK {
		t.Errorf("acme's room gone: %d", r.status)
	}
	for _, tenant := range []string{"", "no/slash"} {
		if r := do(svc, tenant, "GET", "/v1/rooms", ""); r.status != http.StatusUnauthorized {
			t.Errorf("service key with tenant %q: %d, want 401", tenant, r.status)
		}
	}
}
