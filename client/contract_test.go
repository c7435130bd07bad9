package client_test

// Contract tests of the tenant, key and join-token methods against
// apifixture.Contract, which implements those routes as their contract
// says, until the real routes are in api.Server.

import (
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
	"github.com/roomcast/roomcast/test/apifixture"
)

func contractClient(t *testing.T, url, key string) *client.Client {
	t.Helper()
	c, err := client.New(url, client.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractTenants(t *testing.T) {
	ts, _ := apifixture.StartContract(t)
	c, ctx := contractClient(t, ts.URL, apifixture.ContractAdminKey), ctxOf(t)
	settings := &types.TenantSettings{Layout: types.LayoutGrid, Canvas: &types.CanvasSize{Width: 1280, Height: 720},
		Storage: &types.TenantStorage{Bucket: "b", SecretAccessKey: "s3-SECRET"}, Quotas: types.TenantQuotas{Rooms: 5}}
	tn, err := c.CreateTenant(ctx, types.TenantCreate{ID: "acme", Name: "Acme", Settings: settings})
	if err != nil || tn.ID != "acme" || tn.Name != "Acme" || tn.CreatedAt.IsZero() || tn.Settings.Quotas.Rooms != 5 ||
		tn.Settings.Canvas == nil || tn.Settings.Canvas.Width != 1280 || tn.Settings.Storage.SecretAccessKey != "********" {
		t.Fatalf("create: %+v %v", tn, err)
	}
	_, err = c.CreateTenant(ctx, types.TenantCreate{ID: "acme"})
	apiErr(t, "create twice", err, 409, "conflict")
	_, err = c.CreateTenant(ctx, types.TenantCreate{})
	if ae := apiErr(t, "create without id", err, 400, "invalid_field"); ae.Field != "id" {
		t.Errorf("field %q", ae.Field)
	}
	if list, err := c.ListTenants(ctx); err != nil || len(list) != 1 || list[0].ID != "acme" {
		t.Fatalf("list: %+v %v", list, err)
	}
	off := true
	tn, err = c.UpdateTenant(ctx, "acme", types.TenantUpdate{Disabled: &off})
	if err != nil || !tn.Disabled || tn.Name != "Acme" || tn.Settings.Layout != types.LayoutGrid {
		t.Fatalf("disable: %+v %v", tn, err)
	}
	if got, err := c.GetTenant(ctx, "acme"); err != nil || !got.Disabled {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := c.DeleteTenant(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTenant(ctx, "acme")
	apiErr(t, "get a deleted tenant", err, 404, "not_found")
	_, err = contractClient(t, ts.URL, apifixture.ContractTenantKey).ListTenants(ctx)
	apiErr(t, "a tenant's key", err, 401, "unauthorized")
}

// TestContractTenantUpdateSendsOnlyChanges: a PATCH carries the fields
// set, so the others stay as they are.
func TestContractTenantUpdateSendsOnlyChanges(t *testing.T) {
	ts, cs := apifixture.StartContract(t)
	cl, ctx := contractClient(t, ts.URL, apifixture.ContractAdminKey), ctxOf(t)
	if _, err := cl.CreateTenant(ctx, types.TenantCreate{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	name := "Acme Inc"
	tn, err := cl.UpdateTenant(ctx, "acme", types.TenantUpdate{Name: &name})
	if err != nil || tn.Name != name || tn.Disabled {
		t.Fatalf("rename: %+v %v", tn, err)
	}
	if last := cs.LastBody(); len(last) != 1 || last["name"] != name {
		t.Errorf("PATCH body %v, want the name alone", last)
	}
}

func TestContractKeys(t *testing.T) {
	ts, _ := apifixture.StartContract(t)
	c, ctx := contractClient(t, ts.URL, apifixture.ContractAdminKey), ctxOf(t)
	if _, err := c.CreateTenant(ctx, types.TenantCreate{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateKey(ctx, "acme")
	if err != nil || k.ID == "" || !strings.HasPrefix(k.Key, k.Prefix+"_") || k.CreatedAt.IsZero() {
		t.Fatalf("create key: %+v %v", k, err)
	}
	keys, err := c.ListKeys(ctx, "acme")
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID || keys[0].Prefix != k.Prefix {
		t.Fatalf("list keys: %+v %v", keys, err)
	}
	if err := c.DeleteKey(ctx, "acme", k.ID); err != nil {
		t.Fatal(err)
	}
	apiErr(t, "delete it again", c.DeleteKey(ctx, "acme", k.ID), 404, "not_found")
	_, err = c.CreateKey(ctx, "nobody")
	apiErr(t, "a key of no tenant", err, 404, "not_found")
}

func TestContractTokens(t *testing.T) {
	ts, _ := apifixture.StartContract(t)
	c, ctx := contractClient(t, ts.URL, apifixture.ContractTenantKey), ctxOf(t)
	before := time.Now()
	tok, err := c.CreateToken(ctx, "demo", types.TokenRequest{Name: "bob", Publish: true, TTLSeconds: 600})
	if err != nil || tok.Token != "jt.demo.bob.truefalse" || tok.ExpiresAt.Before(before.Add(599*time.Second)) || tok.ExpiresAt.After(time.Now().Add(601*time.Second)) {
		t.Fatalf("token: %+v %v", tok, err)
	}
	_, err = c.CreateToken(ctx, "demo", types.TokenRequest{})
	if ae := apiErr(t, "token without a name", err, 400, "invalid_field"); ae.Field != "name" {
		t.Errorf("field %q", ae.Field)
	}
}
