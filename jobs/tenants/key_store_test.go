package tenants

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var presentedRe = regexp.MustCompile(`^rck_([a-z2-7]{12})_[A-Za-z0-9_-]{43}$`)

func TestKeys(t *testing.T) {
	e := startNATS(t)
	s := newNode(t, e, testRing(t, "k1")).store
	ctx := testCtx(t)
	for _, id := range []string{"acme", "beta"} {
		if _, err := s.Create(ctx, Tenant{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	k1, secret1, err := s.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	m := presentedRe.FindStringSubmatch(secret1)
	if m == nil || m[1] != k1.ID || k1.Prefix != "rck_"+k1.ID || k1.Tenant != "acme" || len(k1.Hash) != 64 {
		t.Fatalf("key %+v, secret of the expected form: %v", k1, m != nil)
	}
	k2, _, err := s.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	kb, _, err := s.CreateKey(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateKey(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("key for a missing tenant: %v", err)
	}
	assertKeys(t, s, "acme", k1.ID, k2.ID)
	assertKeys(t, s, "beta", kb.ID)

	// Another tenant cannot revoke acme's key, nor can a made-up id.
	for _, c := range []struct{ tenant, key string }{{"beta", k1.ID}, {"acme", kb.ID}, {"acme", "aaaaaaaaaaaa"}, {"acme", "../k"}} {
		if err := s.DeleteKey(ctx, c.tenant, c.key); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete of key %s through %s: %v, want ErrNotFound", c.key, c.tenant, err)
		}
	}
	assertKeys(t, s, "acme", k1.ID, k2.ID)
	if err := s.DeleteKey(ctx, "acme", k1.ID); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, s, "acme", k2.ID)
	if err := s.DeleteKey(ctx, "acme", k1.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}

	// Deleting a tenant deletes its keys, and only its.
	if err := s.Delete(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.get(ctx, prefixKey+k2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("key of a deleted tenant: %v", err)
	}
	if _, err := s.ListKeys(ctx, "acme"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("keys of a deleted tenant: %v", err)
	}
	assertKeys(t, s, "beta", kb.ID)
}

func assertKeys(t *testing.T, s *Store, tenant string, want ...string) {
	t.Helper()
	keys, err := s.ListKeys(testCtx(t), tenant)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, k.ID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("keys of %s: %v, want %v", tenant, got, want)
	}
}

// TestNodeSeesItsOwnWrites: the node that creates a tenant and a key
// authenticates the key at once, and refuses it at once when it revokes
// it, without waiting for its watch.
func TestNodeSeesItsOwnWrites(t *testing.T) {
	e := startNATS(t)
	s := newNode(t, e, testRing(t, "k1")).store
	ctx := testCtx(t)
	if _, err := s.Create(ctx, Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.TokenSecret("acme"); !ok {
		t.Error("the new tenant's token secret is not at hand")
	}
	k, secret, err := s.CreateKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if tenant, _, ok := s.Authenticate(secret); !ok || tenant != "acme" {
		t.Errorf("the new key right after CreateKey: %q %v", tenant, ok)
	}
	if err := s.DeleteKey(ctx, "acme", k.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.Authenticate(secret); ok {
		t.Error("the revoked key right after DeleteKey still works")
	}
	if _, err := s.Update(ctx, "acme", func(t *Tenant) error { t.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Tenant("acme"); !got.Disabled {
		t.Error("the update is not at hand")
	}
	if err := s.Delete(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Tenant("acme"); ok {
		t.Error("the deleted tenant is still at hand")
	}
}
