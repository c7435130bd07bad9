package apifixture

// The tenant, key and join-token routes are being added to the API by
// another change. Contract implements just those routes as their
// contract says (admin key for /v1/tenants…, a tenant key for
// /v1/rooms/{room}/tokens; bodies decoded strictly; secrets answered as
// "********"), so that clients are held to the contract until they can
// be tested against the real api.Server.

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
)

const (
	ContractAdminKey  = "admin-key-SECRET"
	ContractTenantKey = "tenant-key-SECRET"
)

// Contract is the contract server.
type Contract struct {
	mu      sync.Mutex
	tenants map[string]*types.Tenant
	keys    map[string][]types.APIKey
	n       int
	bodies  []map[string]any
}

// StartContract serves the contract routes until the test ends.
func StartContract(t testing.TB) (*httptest.Server, *Contract) {
	t.Helper()
	cs := &Contract{tenants: map[string]*types.Tenant{}, keys: map[string][]types.APIKey{}}
	mux := http.NewServeMux()
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		mux.Handle(pattern, cs.auth(ContractAdminKey, h))
	}
	admin("POST /v1/tenants", cs.createTenant)
	admin("GET /v1/tenants", cs.listTenants)
	admin("GET /v1/tenants/{id}", cs.getTenant)
	admin("PATCH /v1/tenants/{id}", cs.patchTenant)
	admin("DELETE /v1/tenants/{id}", cs.deleteTenant)
	admin("POST /v1/tenants/{id}/keys", cs.createKey)
	admin("GET /v1/tenants/{id}/keys", cs.listKeys)
	admin("DELETE /v1/tenants/{id}/keys/{key_id}", cs.deleteKey)
	mux.Handle("POST /v1/rooms/{room}/tokens", cs.auth(ContractTenantKey, cs.createToken))
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

func (cs *Contract) auth(key string, h func(http.ResponseWriter, *http.Request)) http.Handler {
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
func (cs *Contract) decode(w http.ResponseWriter, r *http.Request, v any) bool {
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

func (cs *Contract) tenant(w http.ResponseWriter, r *http.Request) *types.Tenant {
	t := cs.tenants[r.PathValue("id")]
	if t == nil {
		contractError(w, 404, "not_found", "", "no such tenant")
	}
	return t
}

func (cs *Contract) createTenant(w http.ResponseWriter, r *http.Request) {
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

func (cs *Contract) listTenants(w http.ResponseWriter, _ *http.Request) {
	out := []types.Tenant{}
	for _, t := range cs.tenants {
		out = append(out, *t)
	}
	contractJSON(w, 200, map[string]any{"tenants": out})
}

func (cs *Contract) getTenant(w http.ResponseWriter, r *http.Request) {
	if t := cs.tenant(w, r); t != nil {
		contractJSON(w, 200, t)
	}
}

func (cs *Contract) patchTenant(w http.ResponseWriter, r *http.Request) {
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

func (cs *Contract) deleteTenant(w http.ResponseWriter, r *http.Request) {
	if t := cs.tenant(w, r); t != nil {
		delete(cs.tenants, t.ID)
		delete(cs.keys, t.ID)
		w.WriteHeader(204)
	}
}

func (cs *Contract) createKey(w http.ResponseWriter, r *http.Request) {
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

func (cs *Contract) listKeys(w http.ResponseWriter, r *http.Request) {
	if t := cs.tenant(w, r); t != nil {
		contractJSON(w, 200, map[string]any{"keys": append([]types.APIKey{}, cs.keys[t.ID]...)})
	}
}

func (cs *Contract) deleteKey(w http.ResponseWriter, r *http.Request) {
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

func (cs *Contract) createToken(w http.ResponseWriter, r *http.Request) {
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

// LastBody is the last JSON body received, as sent.
func (cs *Contract) LastBody() map[string]any {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.bodies) == 0 {
		return nil
	}
	return cs.bodies[len(cs.bodies)-1]
}
