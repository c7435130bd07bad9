package client_test

// The tenant, key and join-token methods against the real API server
// with a real tenant store (apifixture with Options.Tenants).

import (
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/jointoken"
	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/test/apifixture"
	"github.com/roomcast/roomcast/test/harness"
)

// propagation bounds how long the tenant store's cache takes to learn
// of a change, through its watch.
const propagation = 10 * time.Second

func TestTenants(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Tenants: true})
	c, ctx := newClient(t, srv, apifixture.AdminKey), ctxOf(t)
	settings := &types.TenantSettings{Layout: types.LayoutGrid, Canvas: &types.CanvasSize{Width: 1280, Height: 720},
		Storage: &types.TenantStorage{Bucket: "b", AccessKeyID: "AKIDBENCH", SecretAccessKey: "s3-SECRET"}, Quotas: types.TenantQuotas{Rooms: 5}}
	tn, err := c.CreateTenant(ctx, types.TenantCreate{ID: "newco", Name: "Newco", Settings: settings})
	if err != nil || tn.ID != "newco" || tn.Name != "Newco" || tn.CreatedAt.IsZero() || tn.Settings.Quotas.Rooms != 5 ||
		tn.Settings.Canvas == nil || tn.Settings.Canvas.Width != 1280 || tn.Settings.Storage == nil || tn.Settings.Storage.SecretAccessKey != "********" {
		t.Fatalf("create: %+v %v", tn, err)
	}
	_, err = c.CreateTenant(ctx, types.TenantCreate{ID: "newco"})
	apiErr(t, "create twice", err, 409, "conflict")
	_, err = c.CreateTenant(ctx, types.TenantCreate{})
	if ae := apiErr(t, "create without id", err, 400, "invalid_field"); ae.Field != "id" {
		t.Errorf("field %q", ae.Field)
	}
	if list, err := c.ListTenants(ctx); err != nil || len(list) != 3 || list[0].ID != apifixture.Tenant || list[1].ID != "newco" {
		t.Fatalf("list: %+v %v", list, err)
	}
	off := true
	tn, err = c.UpdateTenant(ctx, "newco", types.TenantUpdate{Disabled: &off})
	if err != nil || !tn.Disabled || tn.Name != "Newco" || tn.Settings.Layout != types.LayoutGrid {
		t.Fatalf("disable: %+v %v", tn, err)
	}
	if got, err := c.GetTenant(ctx, "newco"); err != nil || !got.Disabled {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := c.DeleteTenant(ctx, "newco"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTenant(ctx, "newco")
	apiErr(t, "get a deleted tenant", err, 404, "not_found")
	_, err = newClient(t, srv, apifixture.Key).ListTenants(ctx)
	apiErr(t, "a tenant's key", err, 401, "unauthorized")
}

// TestTenantUpdateSendsOnlyChanges: a PATCH carries the fields set, so
// the others stay as they are.
func TestTenantUpdateSendsOnlyChanges(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Tenants: true})
	c, ctx := newClient(t, srv, apifixture.AdminKey), ctxOf(t)
	settings := &types.TenantSettings{Layout: types.LayoutGrid, Quotas: types.TenantQuotas{Rooms: 2}}
	if _, err := c.CreateTenant(ctx, types.TenantCreate{ID: "newco", Name: "Newco", Disabled: true, Settings: settings}); err != nil {
		t.Fatal(err)
	}
	name := "Newco Inc"
	tn, err := c.UpdateTenant(ctx, "newco", types.TenantUpdate{Name: &name})
	if err != nil || tn.Name != name || !tn.Disabled || tn.Settings.Layout != types.LayoutGrid || tn.Settings.Quotas.Rooms != 2 {
		t.Fatalf("rename: %+v %v", tn, err)
	}
}

// TestKeys: a key made through the API works at once as a tenant key,
// lists without its secret, and stops working when revoked.
func TestKeys(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Tenants: true})
	c, ctx := newClient(t, srv, apifixture.AdminKey), ctxOf(t)
	k, err := c.CreateKey(ctx, apifixture.Tenant)
	if err != nil || k.ID == "" || k.Prefix != "rck_"+k.ID || !strings.HasPrefix(k.Key, k.Prefix+"_") || k.CreatedAt.IsZero() {
		t.Fatalf("create key: %+v %v", k, err)
	}
	keys, err := c.ListKeys(ctx, apifixture.Tenant)
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID || keys[0].Prefix != k.Prefix || !keys[0].CreatedAt.Equal(k.CreatedAt) {
		t.Fatalf("list keys: %+v %v", keys, err)
	}
	if keys, err := c.ListKeys(ctx, apifixture.OtherTenant); err != nil || len(keys) != 0 {
		t.Fatalf("other tenant's keys: %+v %v", keys, err)
	}
	tenantClient := newClient(t, srv, k.Key)
	harness.Eventually(t, propagation, "the new key works", func() bool { _, err := tenantClient.CreateRoom(ctx, "by-key"); return err == nil })
	if err := c.DeleteKey(ctx, apifixture.Tenant, k.ID); err != nil {
		t.Fatal(err)
	}
	apiErr(t, "delete it again", c.DeleteKey(ctx, apifixture.Tenant, k.ID), 404, "not_found")
	harness.Eventually(t, propagation, "the revoked key fails", func() bool { _, err := tenantClient.ListRooms(ctx); return err != nil })
	_, err = tenantClient.ListRooms(ctx)
	apiErr(t, "a revoked key", err, 401, "unauthorized")
	_, err = c.CreateKey(ctx, "nobody")
	apiErr(t, "a key of no tenant", err, 404, "not_found")
}

// TestTokens: a minted token is signed with the tenant's secret for the
// room and the grants asked for.
func TestTokens(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Tenants: true})
	c, ctx := newClient(t, srv, apifixture.Key), ctxOf(t)
	if _, err := c.CreateRoom(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Second)
	tok, err := c.CreateToken(ctx, "demo", types.TokenRequest{Name: "bob", Publish: true, TTLSeconds: 600})
	if err != nil || tok.ExpiresAt.Before(before.Add(600*time.Second)) || tok.ExpiresAt.After(time.Now().Add(600*time.Second)) {
		t.Fatalf("token: %+v %v", tok, err)
	}
	claims, err := jointoken.Verify(tok.Token, srv.Tenants.TokenSecret, "demo", time.Now())
	if err != nil || claims.Tenant != apifixture.Tenant || claims.Name != "bob" || !claims.Publish || claims.Subscribe || !claims.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("claims %+v %v", claims, err)
	}
	_, err = c.CreateToken(ctx, "demo", types.TokenRequest{Name: "bob"})
	if ae := apiErr(t, "a token granting nothing", err, 400, "invalid_field"); ae.Field != "publish" {
		t.Errorf("field %q", ae.Field)
	}
	_, err = c.CreateToken(ctx, "nowhere", types.TokenRequest{Publish: true})
	apiErr(t, "a token for no room", err, 404, "not_found")
}

// TestUsage: a tenant reads its own usage, the admin any tenant's.
func TestUsage(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Tenants: true})
	ctx := ctxOf(t)
	admin, own := newClient(t, srv, apifixture.AdminKey), newClient(t, srv, apifixture.Key)
	if _, err := own.CreateRoom(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	u, err := own.Usage(ctx)
	if err != nil || u.Tenant != apifixture.Tenant || u.Rooms < 1 {
		t.Fatalf("own usage: %+v %v", u, err)
	}
	if au, err := admin.TenantUsage(ctx, apifixture.Tenant); err != nil || au.Rooms != u.Rooms || au.Recordings != u.Recordings {
		t.Fatalf("admin's view %+v, the tenant's %+v: %v", au, u, err)
	}
	_, err = own.TenantUsage(ctx, apifixture.Tenant)
	apiErr(t, "a tenant's key on a tenant's usage", err, 401, "unauthorized")
}
