package client_test

// Contract tests: the tenant, key and join-token routes are being added
// to the API by another change. contractServer implements just those
// routes as their contract says, so that the client is held to the
// contract until it can be tested against the real api.Server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
)

const (
	contractAdminKey  = "admin-key-SECRET"
	contractTenantKey = "tenant-key-SECRET"
)

type contractServer struct {
	mu      sync.Mutex
	tenants map[string]*types.Tenant
	keys    map[string][]types.APIKey
	n       int
	bodies  []map[string]any // every JSON body received, as sent
}

func newContractServer(t *testing.T) (*httptest.Server, *contractServer) {
	t.Helper()
	cs := &contractServer{tenants: map[string]*types.Tenant{}, keys: map[string][]types.APIKey{}}
	mux := http.NewServeMux()
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		mux.Handle(pattern, cs.auth(contractAdminKey, h))
	}
	admin("POST /v1/tenants", cs.createTenant)
	admin("GET /v1/tenants", cs.listTenants)
	admin("GET /v1/tenants/{id}", cs.getTenant)
	admin("PATCH /v1/tenants/{id}", cs.patchTenant)
	admin("DELETE /v1/tenants/{id}", cs.deleteTenant)
	admin("POST /v1/tenants/{id}/keys", cs.createKey)
	admin("GET /v1/tenants/{id}/keys", cs.listKeys)
	admin("DELETE /v1/tenants/{id}/keys/{key_id}", cs.deleteKey)
	mux.Handle("POST /v1/rooms/{room}/tokens", cs.auth(contractTenantKey, cs.createToken))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts, cs
}

func contractError(w http.ResponseWriter, status int, code, field, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg, "field": field}})
}

func contractJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (cs *contractServer) auth(key string, h func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			contractError(w, 401, "unauthorized", "", "invalid API key")
			return
		}
		cs.mu.Lock()
		defer cs.mu.Unlock()
		h(w, r)
	})
}

// decode reads a JSON body strictly into v, keeping it as sent too.
func (cs *contractServer) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	var raw map[string]any
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil || r.Header.Get("Content-Type") != "application/json" {
		contractError(w, 400, "invalid_request", "", "invalid JSON body")
		return false
	}
	cs.bodies = append(cs.bodies, raw)
	b, _ := json.Marshal(raw)
	strict := json.NewDecoder(strings.NewReader(string(b)))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		contractError(w, 400, "invalid_request", "", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func (cs *contractServer) tenant(w http.ResponseWriter, r *http.Request) *types.Tenant {
	t := cs.tenants[r.PathValue("id")]
	if t == nil {
		contractError(w, 404, "not_found", "", "no such tenant")
	}
	return t
}

func (cs *contractServer) createTenant(w http.ResponseWriter, r *http.Request) {
	var req types.TenantCreate
	if !cs.decode(w, r, &req) {
		return
	}
	switch {
	case req.ID == "":
		contractError(w, 400, "invalid_field", "id", "id: required")
		return
	case cs.tenants[req.ID] != nil:
		contractError(w, 409, "conflict", "", "tenant exists")
		return
	}
	now := time.Now().UTC()
	t := &types.Tenant{ID: req.ID, Name: req.Name, Disabled: req.Disabled, CreatedAt: now, UpdatedAt: now}
	if req.Settings != nil {
		t.Settings = redactSettings(*req.Settings)
	}
	cs.tenants[t.ID] = t
	contractJSON(w, 201, t)
}

// redactSettings shows secrets as the API does.
func redactSettings(s types.TenantSettings) types.TenantSettings {
	if s.Storage != nil && s.Storage.SecretAccessKey != "" {
		st := *s.Storage
		st.SecretAccessKey = "********"
		s.Storage = &st
	}
	if s.Webhook != nil && s.Webhook.Secret != "" {
		wh := *s.Webhook
		wh.Secret = "********"
		s.Webhook = &wh
	}
	return s
}

func (cs *contractServer) listTenants(w http.ResponseWriter, _ *http.Request) {
	out := []types.Tenant{}
	for _, t := range cs.tenants {
		out = append(out, *t)
	}
	contractJSON(w, 200, map[string]any{"tenants": out})
}

func (cs *contractServer) getTenant(w http.ResponseWriter, r *http.Request) {
	if t := cs.tenant(w, r); t != nil {
		contractJSON(w, 200, t)
	}
}

func (cs *contractServer) patchTenant(w http.ResponseWriter, r *http.Request) {
	t := cs.tenant(w, r)
	var u types.TenantUpdate
	if t == nil || !cs.decode(w, r, &u) {
		return
	}
	if u.Name != nil {
		t.Name = *u.Name
	}
	if u.Disabled != nil {
		t.Disabled = *u.Disabled
	}
	if u.Settings != nil {
		t.Settings = redactSettings(*u.Settings)
	}
	t.UpdatedAt = time.Now().UTC()
	contractJSON(w, 200, t)
}

func (cs *contractServer) deleteTenant(w http.ResponseWriter, r *http.Request) {
	if t := cs.tenant(w, r); t != nil {
		delete(cs.tenants, t.ID)
		delete(cs.keys, t.ID)
		w.WriteHeader(204)
	}
}

func (cs *contractServer) createKey(w http.ResponseWriter, r *http.Request) {
	t := cs.tenant(w, r)
	if t == nil {
		return
	}
	cs.n++
	k := types.APIKey{ID: fmt.Sprintf("key%09d", cs.n), CreatedAt: time.Now().UTC()}
	k.Prefix = "rck_" + k.ID
	cs.keys[t.ID] = append(cs.keys[t.ID], k)
	contractJSON(w, 201, types.NewAPIKey{ID: k.ID, Key: k.Prefix + "_SECRETSECRET", Prefix: k.Prefix, CreatedAt: k.CreatedAt})
}

func (cs *contractServer) listKeys(w http.ResponseWriter, r *http.Request) {
	if t := cs.tenant(w, r); t != nil {
		contractJSON(w, 200, map[string]any{"keys": append([]types.APIKey{}, cs.keys[t.ID]...)})
	}
}

func (cs *contractServer) deleteKey(w http.ResponseWriter, r *http.Request) {
	t := cs.tenant(w, r)
	if t == nil {
		return
	}
	for i, k := range cs.keys[t.ID] {
		if k.ID == r.PathValue("key_id") {
			cs.keys[t.ID] = append(cs.keys[t.ID][:i], cs.keys[t.ID][i+1:]...)
			w.WriteHeader(204)
			return
		}
	}
	contractError(w, 404, "not_found", "", "no such key")
}

func (cs *contractServer) createToken(w http.ResponseWriter, r *http.Request) {
	var req types.TokenRequest
	if !cs.decode(w, r, &req) {
		return
	}
	if req.Name == "" {
		contractError(w, 400, "invalid_field", "name", "name: required")
		return
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	if ttl == 0 {
		ttl = time.Hour
	}
	tok := fmt.Sprintf("jt.%s.%s.%v%v", r.PathValue("room"), req.Name, req.Publish, req.Subscribe)
	contractJSON(w, 201, types.Token{Token: tok, ExpiresAt: time.Now().Add(ttl).UTC()})
}

func contractClient(t *testing.T, url, key string) *client.Client {
	t.Helper()
	c, err := client.New(url, client.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractTenants(t *testing.T) {
	ts, _ := newContractServer(t)
	c, ctx := contractClient(t, ts.URL, contractAdminKey), ctxOf(t)
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
	_, err = contractClient(t, ts.URL, contractTenantKey).ListTenants(ctx)
	apiErr(t, "a tenant's key", err, 401, "unauthorized")
}

// TestContractTenantUpdateSendsOnlyChanges: a PATCH carries the fields
// set, so the others stay as they are.
func TestContractTenantUpdateSendsOnlyChanges(t *testing.T) {
	ts, cs := newContractServer(t)
	cl, ctx := contractClient(t, ts.URL, contractAdminKey), ctxOf(t)
	if _, err := cl.CreateTenant(ctx, types.TenantCreate{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	name := "Acme Inc"
	tn, err := cl.UpdateTenant(ctx, "acme", types.TenantUpdate{Name: &name})
	if err != nil || tn.Name != name || tn.Disabled {
		t.Fatalf("rename: %+v %v", tn, err)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if last := cs.bodies[len(cs.bodies)-1]; len(last) != 1 || last["name"] != name {
		t.Errorf("PATCH body %v, want the name alone", last)
	}
}

func TestContractKeys(t *testing.T) {
	ts, _ := newContractServer(t)
	c, ctx := contractClient(t, ts.URL, contractAdminKey), ctxOf(t)
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
	ts, _ := newContractServer(t)
	c, ctx := contractClient(t, ts.URL, contractTenantKey), ctxOf(t)
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
