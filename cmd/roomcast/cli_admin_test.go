package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/test/apifixture"
)

// TestCLITenantsKeysTokens runs the tenant, key and token commands
// against apifixture.Contract, which implements those routes to their
// contract until they are in api.Server.
func TestCLITenantsKeysTokens(t *testing.T) {
	ts, contract := apifixture.StartContract(t)
	admin := func(args ...string) string {
		t.Helper()
		code, out, errOut := cliRunKey(t, ts.URL, apifixture.ContractAdminKey, args...)
		if code != 0 {
			t.Fatalf("roomcast %v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	settings := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(settings, []byte(`{"layout":"grid","quotas":{"rooms":5},"storage":{"bucket":"b","secret_access_key":"s3-SECRET"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := admin("tenants", "create", "acme", "--name", "Acme", "--settings", settings)
	got := lines(out)
	if got[0] != "id acme" || got[1] != "name Acme" || got[2] != "state enabled" || !slices.Contains(got, "quotas rooms 5") ||
		!slices.Contains(got, "storage bucket b/ (secret set)") || strings.Contains(out, "*****") {
		t.Errorf("tenants create:\n%s", out)
	}
	if got := lines(admin("tenants", "list")); len(got) != 2 || !strings.HasPrefix(got[1], "acme Acme enabled ") {
		t.Errorf("tenants list: %q", got)
	}
	admin("tenants", "set", "acme", "--disabled")
	if body := contract.LastBody(); len(body) != 1 || body["disabled"] != true {
		t.Errorf("tenants set --disabled sent %v", body)
	}
	if got := lines(admin("tenants", "get", "acme")); got[2] != "state disabled" {
		t.Errorf("tenants get: %q", got)
	}

	var stdout, stderr bytes.Buffer
	code := run([]string{"keys", "create", "acme", "--server", ts.URL, "--key", apifixture.ContractAdminKey}, &stdout, &stderr)
	keyLine := lines(stdout.String())[0]
	if code != 0 || !strings.HasPrefix(keyLine, "key rck_") || !strings.Contains(stderr.String(), "shown this once") {
		t.Fatalf("keys create: exit %d %q %q", code, stdout.String(), stderr.String())
	}
	secret := strings.TrimPrefix(keyLine, "key ")
	list := admin("keys", "list", "acme")
	if got := lines(list); len(got) != 2 || !strings.HasPrefix(got[1], "key000000001 rck_key000000001 ") || strings.Contains(list, secret) {
		t.Errorf("keys list: %q", got)
	}
	if out := admin("keys", "delete", "acme", "key000000001"); out != "deleted key key000000001 of tenant acme\n" {
		t.Errorf("keys delete: %q", out)
	}
	if code, _, errOut := cliRunKey(t, ts.URL, apifixture.ContractAdminKey, "tenants", "get", "nobody"); code != 1 || errOut != "roomcast tenants: no such tenant (404 not_found)\n" {
		t.Errorf("tenants get nobody: %d %q", code, errOut)
	}
	t.Setenv("ROOMCAST_API_KEY", "wrong")
	t.Setenv("ROOMCAST_ADMIN_KEY", apifixture.ContractAdminKey)
	stdout.Reset()
	if code := run([]string{"tenants", "delete", "acme", "--server", ts.URL}, &stdout, &stderr); code != 0 || stdout.String() != "deleted tenant acme\n" {
		t.Errorf("tenants delete with $ROOMCAST_ADMIN_KEY: %d %q", code, stdout.String())
	}

	code, out, errOut := cliRunKey(t, ts.URL, apifixture.ContractTenantKey, "tokens", "create", "--room", "demo", "--name", "bob", "--publish", "--ttl", "10m", "--link")
	if got := lines(out); code != 0 || len(got) != 2 || got[0] != "jt.demo.bob.truefalse" || got[1] != ts.URL+"/rooms/demo#token=jt.demo.bob.truefalse" ||
		!regexp.MustCompile(`^expires \S+ \(in (10m|9m \d+s)\)\n$`).MatchString(errOut) {
		t.Errorf("tokens create: %d %q %q", code, out, errOut)
	}
	if body := contract.LastBody(); body["ttl_seconds"] != 600.0 || body["publish"] != true || body["subscribe"] != false {
		t.Errorf("tokens create sent %v", body)
	}
}

func TestCLIWorkersAndWebhooks(t *testing.T) {
	now := time.Now().UTC()
	srv := apifixture.Start(t, apifixture.Options{
		Workers: []jobs.WorkerInfo{{ID: "w1", Capacity: 400, Load: 150, CPU: 80.4, Jobs: []string{"EG_1", "EG_2"}, StartedAt: now.Add(-2 * time.Hour), Heartbeat: now.Add(-3 * time.Second)}},
		Parked: []webhook.Parked{{ID: "PK_1", Endpoint: "acme", Tenant: apifixture.Tenant, State: webhook.StateParked, Attempts: 5,
			LastError: "HTTP 500", ParkedAt: now, Event: webhook.Event{ID: "EV_1", Type: "egress.failed", EgressID: "EG_1"}}},
	})
	got := lines(cliOK(t, srv.URL, "workers", "list"))
	if len(got) != 2 || got[0] != "ID CAPACITY LOAD CPU JOBS STATE UP HEARTBEAT" || !strings.HasPrefix(got[1], "w1 400 150 80% - ready 2h ") /* EG_1, EG_2: no jobs of the caller's tenant, hidden */ {
		t.Errorf("workers list: %q", got)
	}
	var ws struct{ Workers []json.RawMessage }
	cliJSON(t, srv.URL, &ws, "workers", "list")
	if len(ws.Workers) != 1 {
		t.Errorf("workers list --json: %+v", ws)
	}
	if got := lines(cliOK(t, srv.URL, "webhooks", "list")); len(got) != 2 || !strings.HasPrefix(got[1], "PK_1 egress.failed EG_1 acme parked 5 ") {
		t.Errorf("webhooks list: %q", got)
	}
	if out := cliOK(t, srv.URL, "webhooks", "retry", "PK_1"); out != "queued PK_1 (egress.failed of EG_1) again\n" {
		t.Errorf("webhooks retry: %q", out)
	}
}
