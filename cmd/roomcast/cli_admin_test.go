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

	"github.com/roomcast/roomcast/api/jointoken"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/test/apifixture"
)

// TestCLITenantsKeysTokens runs the tenant, key and token commands
// against the real API with a real tenant store.
func TestCLITenantsKeysTokens(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Tenants: true})
	admin := func(args ...string) string {
		t.Helper()
		return cliOKKey(t, srv.URL, apifixture.AdminKey, args...)
	}
	settings := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(settings, []byte(`{"layout":"grid","quotas":{"rooms":5},"storage":{"bucket":"b","access_key_id":"AK","secret_access_key":"s3-SECRET"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := admin("tenants", "create", "newco", "--name", "Newco", "--settings", settings)
	got := lines(out)
	if got[0] != "id newco" || got[1] != "name Newco" || got[2] != "state enabled" || !slices.Contains(got, "quotas rooms 5") ||
		!slices.Contains(got, "storage bucket b/ (secret set)") || strings.Contains(out, "*****") {
		t.Errorf("tenants create:\n%s", out)
	}
	if got := lines(admin("tenants", "list")); len(got) != 4 || !strings.HasPrefix(got[2], "newco Newco enabled ") {
		t.Errorf("tenants list: %q", got)
	}
	admin("tenants", "set", "newco", "--disabled")
	if got := lines(admin("tenants", "get", "newco")); got[1] != "name Newco" || got[2] != "state disabled" || !slices.Contains(got, "quotas rooms 5") {
		t.Errorf("tenants get after set --disabled (only the flag may change): %q", got)
	}
	if got := lines(admin("tenants", "usage", "newco")); len(got) != 5 || got[0] != "tenant newco" || got[1] != "rooms 0 of 5 (this node)" || got[3] != "active jobs 0" || got[4] != "recordings 0, 0 B" {
		t.Errorf("tenants usage: %q", got)
	}
	cliKeys(t, srv)
	if code, _, errOut := cliRunKey(t, srv.URL, apifixture.AdminKey, "tenants", "get", "nobody"); code != 1 || errOut != "roomcast tenants: no such tenant or key (404 not_found)\n" {
		t.Errorf("tenants get nobody: %d %q", code, errOut)
	}
	t.Setenv("ROOMCAST_API_KEY", "wrong")
	t.Setenv("ROOMCAST_ADMIN_KEY", apifixture.AdminKey)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"tenants", "delete", "newco", "--server", srv.URL}, &stdout, &stderr); code != 0 || stdout.String() != "deleted tenant newco\n" {
		t.Errorf("tenants delete with $ROOMCAST_ADMIN_KEY: %d %q %q", code, stdout.String(), stderr.String())
	}
	cliTokens(t, srv)
}

// cliKeys makes, lists and revokes a key of the fixture's tenant.
func cliKeys(t *testing.T, srv *apifixture.Server) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run([]string{"keys", "create", apifixture.Tenant, "--server", srv.URL, "--key", apifixture.AdminKey}, &stdout, &stderr)
	got := lines(stdout.String())
	if code != 0 || len(got) < 2 || !strings.HasPrefix(got[0], "key rck_") || !strings.HasPrefix(got[1], "id ") || !strings.Contains(stderr.String(), "shown this once") {
		t.Fatalf("keys create: exit %d %q %q", code, stdout.String(), stderr.String())
	}
	secret, id := strings.TrimPrefix(got[0], "key "), strings.TrimPrefix(got[1], "id ")
	list := cliOKKey(t, srv.URL, apifixture.AdminKey, "keys", "list", apifixture.Tenant)
	if got := lines(list); len(got) != 2 || !strings.HasPrefix(got[1], id+" rck_"+id+" ") || strings.Contains(list, secret) {
		t.Errorf("keys list: %q", got)
	}
	if out := cliOKKey(t, srv.URL, apifixture.AdminKey, "keys", "delete", apifixture.Tenant, id); out != "deleted key "+id+" of tenant "+apifixture.Tenant+"\n" {
		t.Errorf("keys delete: %q", out)
	}
}

// cliTokens mints a join token for a room of the fixture's tenant and
// checks it against the tenant's secret.
func cliTokens(t *testing.T, srv *apifixture.Server) {
	t.Helper()
	cliOK(t, srv.URL, "rooms", "create", "demo")
	code, out, errOut := cliRun(t, srv.URL, "tokens", "create", "--room", "demo", "--name", "bob", "--publish", "--ttl", "10m", "--link")
	got := lines(out)
	if code != 0 || len(got) != 2 || got[1] != srv.URL+"/rooms/demo#token="+got[0] ||
		!regexp.MustCompile(`^expires \S+ \(in (10m|9m \d+s)\)\n$`).MatchString(errOut) {
		t.Fatalf("tokens create: %d %q %q", code, out, errOut)
	}
	c, err := jointoken.Verify(got[0], srv.Tenants.TokenSecret, "demo", time.Now())
	if err != nil || c.Name != "bob" || !c.Publish || c.Subscribe || c.ExpiresAt.Sub(c.IssuedAt) != 10*time.Minute {
		t.Errorf("token claims %+v %v", c, err)
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
