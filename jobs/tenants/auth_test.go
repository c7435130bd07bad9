package tenants

import (
	"strings"
	"testing"
	"time"
)

// propagation is how soon a change on one node must reach another's
// Authenticate.
const propagation = 2 * time.Second

// TestAuthenticateAcrossNodes changes keys and tenants on node a and
// watches node b's Authenticate follow within propagation.
func TestAuthenticateAcrossNodes(t *testing.T) {
	e := startNATS(t)
	ring := testRing(t, "k1")
	a, b := newNode(t, e, ring), newNode(t, e, ring)
	b.run(t)
	ctx := testCtx(t)
	if _, err := a.store.Create(ctx, Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	k, secret, err := a.store.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := a.store.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	accepted := func(s string) func() bool {
		return func() bool { tn, id, ok := b.store.Authenticate(s); return ok && tn == "acme" && id == s[4:16] }
	}
	refused := func(s string) func() bool {
		return func() bool { _, _, ok := b.store.Authenticate(s); return !ok }
	}
	within(t, propagation, "new key accepted on b", accepted(secret))
	if tn, id, _ := b.store.Authenticate(secret); tn != "acme" || id != k.ID {
		t.Fatalf("authenticated as %s/%s, want acme/%s", tn, id, k.ID)
	}
	for _, bad := range forgeries(secret) {
		if _, _, ok := b.store.Authenticate(bad); ok {
			t.Errorf("forged key %q accepted", bad)
		}
	}

	if err := a.store.DeleteKey(ctx, "acme", k.ID); err != nil {
		t.Fatal(err)
	}
	t.Logf("revocation seen on b after %s", within(t, propagation, "revoked key refused on b", refused(secret)))
	within(t, propagation, "other key still accepted", accepted(other))

	if _, err := a.store.Update(ctx, "acme", func(t *Tenant) error { t.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	within(t, propagation, "disabled tenant's key refused", refused(other))
	if _, ok := b.store.TokenSecret("acme"); ok {
		t.Error("disabled tenant's token secret served")
	}
	if tn, ok := b.store.Tenant("acme"); !ok || !tn.Disabled {
		t.Errorf("disabled tenant on b: %+v %v", tn, ok)
	}
	if _, err := a.store.Update(ctx, "acme", func(t *Tenant) error { t.Disabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	within(t, propagation, "enabled again", accepted(other))

	if err := a.store.Delete(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	within(t, propagation, "deleted tenant's key refused", refused(other))
	within(t, propagation, "deleted tenant gone from b", func() bool { _, ok := b.store.Tenant("acme"); return !ok })
	if logs := b.logs.String(); strings.Contains(logs, "failed") || strings.Contains(logs, "ignored") {
		t.Errorf("b's watch was not smooth:\n%s", logs)
	}
}

// forgeries are near misses of a valid presented key.
func forgeries(s string) []string {
	flip := func(i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	return []string{
		"", s[:len(s)-1], s + "A", strings.ToUpper(s[:4]) + s[4:], "rck-" + s[4:],
		flip(len(s) - 1), flip(len(s) - 20), s[:16] + "-" + s[17:],
		s[:4] + "aaaaaaaaaaaa" + s[16:], strings.Replace(s, s[4:5], "1", 1),
	}
}

func TestTokenSecretAndTenantFromCache(t *testing.T) {
	e := startNATS(t)
	n := newNode(t, e, testRing(t, "k1"))
	n.run(t)
	created, err := n.store.Create(testCtx(t), acme())
	if err != nil {
		t.Fatal(err)
	}
	within(t, propagation, "tenant cached", func() bool { _, ok := n.store.Tenant("acme"); return ok })
	got, _ := n.store.Tenant("acme")
	got.Settings.Storage.Bucket = "changed" // a copy: the cache keeps its own
	again, _ := n.store.Tenant("acme")
	if again.Settings.Storage.Bucket != "rec" || again.Settings.Webhook.Secret != "whsec-ACME-0002-signing" {
		t.Fatalf("cached tenant %+v", again.Settings)
	}
	token, ok := n.store.TokenSecret("acme")
	if !ok || string(token) != string(created.TokenSecret) {
		t.Fatal("token secret not served from the cache")
	}
	if _, ok := n.store.TokenSecret("nobody"); ok {
		t.Fatal("token secret of a missing tenant")
	}
}
