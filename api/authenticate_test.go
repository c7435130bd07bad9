package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/jointoken"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/test/harness"
)

// TestAuthenticate: Server.Authenticate takes what the media routes take
// (configured keys, store keys, join tokens for the request's room) and
// refuses the rest.
func TestAuthenticate(t *testing.T) {
	s := newTenantServer(t, nil)
	ctx := context.Background()
	if _, err := s.store.Create(ctx, tenants.Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	_, storeKey, err := s.store.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 10*time.Second, "the key loaded", func() bool { _, _, ok := s.store.Authenticate(storeKey); return ok })
	secret, _ := s.store.TokenSecret("acme")
	now := time.Now()
	tok, err := jointoken.Sign(secret, jointoken.Claims{Tenant: "acme", Room: "r1", Publish: true, IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, auth, room, tenant string
	}{
		{"config key", "Bearer " + key, "r1", configs.DefaultTenant},
		{"store key", "Bearer " + storeKey, "r1", "acme"},
		{"join token", "Bearer " + tok, "r1", "acme"},
		{"join token for another room", "Bearer " + tok, "r2", ""},
		{"unknown key", "Bearer rck_aaaaaaaaaaaa_" + storeKey[len(storeKey)-43:len(storeKey)-1] + "A", "r1", ""},
		{"admin key", "Bearer " + adminKey, "r1", ""},
		{"no header", "", "r1", ""},
	} {
		r, _ := http.NewRequest("POST", "/v1/rooms/"+c.room+"/whip", nil)
		r.SetPathValue("room", c.room)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		got, err := s.srv.Authenticate(r)
		if got != c.tenant || (err == nil) != (c.tenant != "") {
			t.Errorf("%s: tenant %q, %v; want %q", c.name, got, err, c.tenant)
		}
	}
}
