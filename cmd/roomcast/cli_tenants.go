package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
)

var tenantCommands = map[string]subcommand{
	"create": {args: "ID", nargs: 1, about: "create a tenant", setup: tenantCreate},
	"list":   {about: "list the tenants", setup: func(*flag.FlagSet) runFunc { return listTenants }},
	"get": {args: "ID", nargs: 1, about: "show a tenant and its settings (secrets are never shown)", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error { return s.showTenant(s.c.GetTenant(ctx, a[0])) }
	}},
	"set": {args: "ID", nargs: 1, about: "change a tenant's name, disabled flag or settings", setup: tenantSet},
	"usage": {args: "ID", nargs: 1, about: "what a tenant uses, beside its quotas", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error {
			return s.showUsage(s.c.TenantUsage(ctx, a[0]))
		}
	}},
	"delete": deleteOne("ID", "tenant", "delete a tenant", (*client.Client).DeleteTenant),
}

func tenantCreate(fs *flag.FlagSet) runFunc {
	name := fs.String("name", "", "the tenant's display name")
	disabled := fs.Bool("disabled", false, "create it disabled: its keys and tokens do not work yet")
	settings := fs.String("settings", "", `a JSON file of the tenant's settings ({"quotas":{…},"storage":{…},…})`)
	return func(ctx context.Context, s *session, a []string) error {
		req := types.TenantCreate{ID: a[0], Name: *name, Disabled: *disabled}
		if *settings != "" {
			req.Settings = &types.TenantSettings{}
			if err := readJSONFile(*settings, req.Settings); err != nil {
				return fmt.Errorf("--settings: %w", err)
			}
		}
		return s.showTenant(s.c.CreateTenant(ctx, req))
	}
}

// optBool is a bool flag that knows whether it was given.
type optBool struct{ v *bool }

func (o *optBool) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.FormatBool(*o.v)
}
func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	o.v = &b
	return err
}
func (o *optBool) IsBoolFlag() bool { return true }

func tenantSet(fs *flag.FlagSet) runFunc {
	var name optString
	var disabled optBool
	fs.Var(&name, "name", "the new display name")
	fs.Var(&disabled, "disabled", "disable (true) or enable (false) the tenant")
	settings := fs.String("settings", "", "a JSON file of the tenant's settings: it replaces them all")
	return func(ctx context.Context, s *session, a []string) error {
		u := types.TenantUpdate{Name: name.v, Disabled: disabled.v}
		if *settings != "" {
			u.Settings = &types.TenantSettings{}
			if err := readJSONFile(*settings, u.Settings); err != nil {
				return fmt.Errorf("--settings: %w", err)
			}
		}
		if u == (types.TenantUpdate{}) {
			return fmt.Errorf("nothing to change: give --name, --disabled or --settings")
		}
		return s.showTenant(s.c.UpdateTenant(ctx, a[0], u))
	}
}

// optString is a string flag that knows whether it was given.
type optString struct{ v *string }

func (o *optString) String() string {
	if o.v == nil {
		return ""
	}
	return *o.v
}
func (o *optString) Set(s string) error { o.v = &s; return nil }

func listTenants(ctx context.Context, s *session, _ []string) error {
	ts, err := s.c.ListTenants(ctx)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"tenants": ts})
	}
	rows := [][]string{{"ID", "NAME", "STATE", "CREATED"}}
	for _, t := range ts {
		rows = append(rows, []string{t.ID, orDash(t.Name), tenantState(t), localTime(t.CreatedAt)})
	}
	return s.table(rows)
}

func tenantState(t types.Tenant) string {
	if t.Disabled {
		return "disabled"
	}
	return "enabled"
}

// showTenant prints a tenant (the answer of a call), or the call's
// error. Secrets show as "set", never their value.
func (s *session) showTenant(t types.Tenant, err error) error {
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(t)
	}
	st := t.Settings
	canvas := ""
	if st.Canvas != nil {
		canvas = fmt.Sprintf("%dx%d", st.Canvas.Width, st.Canvas.Height)
	}
	return s.fields("id", t.ID, "name", t.Name, "state", tenantState(t), "created", localTime(t.CreatedAt),
		"updated", localTime(t.UpdatedAt), "layout", st.Layout, "canvas", canvas, "branding", setOrEmpty(st.Branding != nil),
		"quotas", quotaSummary(st.Quotas), "storage", storageSummary(st.Storage), "webhook", webhookSummary(st.Webhook),
		"rtmp hosts", strings.Join(st.AllowedRTMPHosts, ", "))
}

func setOrEmpty(set bool) string {
	if set {
		return "set"
	}
	return ""
}

// quotaSummary is "rooms 5, concurrent jobs 2"; "none" without limits.
func quotaSummary(q types.TenantQuotas) string {
	var parts []string
	for _, l := range []struct {
		name string
		n    int
	}{{"rooms", q.Rooms}, {"participants per room", q.ParticipantsPerRoom}, {"concurrent jobs", q.ConcurrentJobs},
		{"targets per job", q.TargetsPerJob}, {"retention days", q.RetentionDays}} {
		if l.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l.name, l.n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func storageSummary(st *types.TenantStorage) string {
	if st == nil {
		return "the server's"
	}
	out := "bucket " + st.Bucket + "/" + st.Prefix
	if st.Endpoint != "" {
		out += " at " + st.Endpoint
	}
	if st.SecretAccessKey != "" {
		out += " (secret set)"
	}
	return out
}

func webhookSummary(w *types.TenantWebhook) string {
	if w == nil {
		return ""
	}
	if w.Secret != "" {
		return w.URL + " (secret set)"
	}
	return w.URL
}

var keyCommands = map[string]subcommand{
	"create": {args: "TENANT", nargs: 1, about: "make an API key for a tenant (printed this once)", setup: func(*flag.FlagSet) runFunc { return createKey }},
	"list":   {args: "TENANT", nargs: 1, about: "list a tenant's keys (never their secrets)", setup: func(*flag.FlagSet) runFunc { return listKeys }},
	"delete": {args: "TENANT KEY_ID", nargs: 2, about: "revoke a tenant's key", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error {
			if err := s.c.DeleteKey(ctx, a[0], a[1]); err != nil {
				return err
			}
			return s.done(map[string]string{"deleted": a[1]}, "deleted key %s of tenant %s", a[1], a[0])
		}
	}},
}

func createKey(ctx context.Context, s *session, a []string) error {
	k, err := s.c.CreateKey(ctx, a[0])
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(k)
	}
	fmt.Fprintln(s.errw, "the key is shown this once: keep it now")
	return s.fields("key", k.Key, "id", k.ID, "prefix", k.Prefix, "created", localTime(k.CreatedAt))
}

func listKeys(ctx context.Context, s *session, a []string) error {
	keys, err := s.c.ListKeys(ctx, a[0])
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"keys": keys})
	}
	rows := [][]string{{"ID", "PREFIX", "CREATED", "LAST USED"}}
	for _, k := range keys {
		rows = append(rows, []string{k.ID, k.Prefix, localTime(k.CreatedAt), orDash(localTimePtr(k.LastUsed))})
	}
	return s.table(rows)
}

// showUsage prints a tenant's usage beside its quotas.
func (s *session) showUsage(u types.Usage, err error) error {
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(u)
	}
	q := u.Quotas
	return s.fields("tenant", u.Tenant, "rooms", ofQuota(u.Rooms, q.Rooms)+" (this node)", "participants", strconv.Itoa(u.Participants),
		"active jobs", ofQuota(u.ActiveJobs, q.ConcurrentJobs), "recordings", fmt.Sprintf("%d, %s", u.Recordings, humanBytes(u.RecordingBytes)))
}

// ofQuota is "2 of 5", or "2" without a quota.
func ofQuota(n, quota int) string {
	if quota <= 0 {
		return strconv.Itoa(n)
	}
	return fmt.Sprintf("%d of %d", n, quota)
}
