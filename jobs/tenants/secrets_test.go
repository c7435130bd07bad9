package tenants

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/jobs/seal"
)

// rawBucket reads every record of the bucket as stored, as
// `nats kv get` would show it.
func rawBucket(t *testing.T, js jetstream.JetStream) map[string][]byte {
	t.Helper()
	ctx := testCtx(t)
	kv, err := js.KeyValue(ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string][]byte{}
	keys, err := kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return raw
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		raw[k] = e.Value()
	}
	return raw
}

// clearForms are the ways a secret could show in a record.
func clearForms(secret []byte) []string {
	return []string{
		string(secret), hex.EncodeToString(secret),
		base64.StdEncoding.EncodeToString(secret), base64.RawURLEncoding.EncodeToString(secret),
	}
}

func TestNoSecretInClear(t *testing.T) {
	e := startNATS(t)
	n := newNode(t, e, testRing(t, "k1"))
	tn, err := n.store.Create(testCtx(t), acme())
	if err != nil {
		t.Fatal(err)
	}
	key, presented, err := n.store.CreateKey(testCtx(t), "acme")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"storage secret": []byte(tn.Settings.Storage.SecretAccessKey),
		"webhook secret": []byte(tn.Settings.Webhook.Secret),
		"token secret":   tn.TokenSecret,
		"api key":        []byte(presented),
		"api key secret": []byte(presented[len(key.Prefix)+1:]),
	}
	raw := rawBucket(t, n.js)
	if len(raw) != 2 {
		t.Fatalf("bucket holds %d records, want 2", len(raw))
	}
	for k, b := range raw {
		for name, secret := range secrets {
			for _, form := range clearForms(secret) {
				if strings.Contains(string(b), form) {
					t.Errorf("%s shows the %s in clear: %s", k, name, b)
				}
			}
		}
	}
	if rec := string(raw["t.acme"]); strings.Count(rec, "sealed:v1:k1:") != 4 || !strings.Contains(rec, "AKIAACME") || strings.Contains(rec, "hooks.acme.test") {
		t.Errorf("tenant record does not hold 4 sealed values (webhook URL included) and the access key id: %s", rec)
	}

	red, err := json.Marshal(tn.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range secrets {
		for _, form := range clearForms(secret) {
			if strings.Contains(string(red), form) {
				t.Errorf("redacted view shows the %s: %s", name, red)
			}
		}
	}
	if strings.Count(string(red), redactedMark) != 2 || !strings.Contains(string(red), "AKIAACME") {
		t.Errorf("redacted view: %s", red)
	}
	if tn.Settings.Webhook.Secret != "whsec-ACME-0002-signing" {
		t.Error("Redacted changed the tenant it was called on")
	}
}

// TestSealedValueBoundToTenant copies a sealed secret from one tenant's
// record to another's: it must not open there.
func TestSealedValueBoundToTenant(t *testing.T) {
	e := startNATS(t)
	n := newNode(t, e, testRing(t, "k1"))
	ctx := testCtx(t)
	for _, id := range []string{"acme", "evil"} {
		tn := acme()
		tn.ID = id
		if _, err := n.store.Create(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	raw := rawBucket(t, n.js)
	var victim, thief map[string]any
	if json.Unmarshal(raw["t.acme"], &victim) != nil || json.Unmarshal(raw["t.evil"], &thief) != nil {
		t.Fatal("records are not JSON objects")
	}
	thief["token_secret"] = victim["token_secret"]
	b, _ := json.Marshal(thief)
	if _, err := n.store.kv.Put(ctx, "t.evil", b); err != nil {
		t.Fatal(err)
	}
	if _, err := n.store.Get(ctx, "evil"); !errors.Is(err, seal.ErrTampered) {
		t.Fatalf("moved token secret: %v, want seal.ErrTampered", err)
	}
	// A secret written in clear is refused too.
	thief["token_secret"] = "in-clear"
	b, _ = json.Marshal(thief)
	if _, err := n.store.kv.Put(ctx, "t.evil", b); err != nil {
		t.Fatal(err)
	}
	if _, err := n.store.Get(ctx, "evil"); !errors.Is(err, seal.ErrMalformed) || strings.Contains(err.Error(), "in-clear") {
		t.Fatalf("token secret in clear: %v, want seal.ErrMalformed without the value", err)
	}
	// The cache leaves such a record out rather than failing.
	n.run(t)
	if _, ok := n.store.Tenant("evil"); ok {
		t.Error("a tenant whose secrets do not open is served")
	}
	if _, ok := n.store.Tenant("acme"); !ok {
		t.Error("the good tenant is not served")
	}
	if !strings.Contains(n.logs.String(), "tenant record ignored") {
		t.Error("the bad record was not logged")
	}
}

// TestKeyringRotation writes under k1, rotates to k2 with k1 kept, and
// checks old records open, new writes use k2, and a node that lacks a
// key refuses what it cannot open.
func TestKeyringRotation(t *testing.T) {
	e := startNATS(t)
	old := newNode(t, e, testRing(t, "k1"))
	created, err := old.store.Create(testCtx(t), acme())
	if err != nil {
		t.Fatal(err)
	}
	rotated := newNode(t, e, testRing(t, "k2", "k1"))
	got, err := rotated.store.Get(testCtx(t), "acme")
	if err != nil || string(got.TokenSecret) != string(created.TokenSecret) || got.Settings.Webhook.Secret != created.Settings.Webhook.Secret {
		t.Fatalf("record of k1 after rotation: %v", err)
	}
	rotated.run(t)
	if _, ok := rotated.store.TokenSecret("acme"); !ok {
		t.Fatal("the rotated node's cache lacks the k1 tenant")
	}

	// Any write seals again with the active key.
	if _, err := rotated.store.Update(testCtx(t), "acme", func(*Tenant) error { return nil }); err != nil {
		t.Fatal(err)
	}
	rec := string(rawBucket(t, rotated.js)["t.acme"])
	if strings.Count(rec, "sealed:v1:k2:") != 4 || strings.Contains(rec, "sealed:v1:k1:") {
		t.Fatalf("record after rewrite: %s", rec)
	}
	if _, err := old.store.Get(testCtx(t), "acme"); !errors.Is(err, seal.ErrUnknownKey) {
		t.Fatalf("a node without k2: %v, want seal.ErrUnknownKey", err)
	}
	// Rotating the same key id to another key does not open silently.
	impostor := newNode(t, e, ringOf(t, "other", "k2"))
	if _, err := impostor.store.Get(testCtx(t), "acme"); !errors.Is(err, seal.ErrTampered) {
		t.Fatalf("another key of the same id: %v, want seal.ErrTampered", err)
	}
}

// TestWebhookURLInClearStillReads: a record written before webhook URLs
// were sealed (a URL may hold a token) reads, and its next write seals
// the URL.
func TestWebhookURLInClearStillReads(t *testing.T) {
	e := startNATS(t)
	n := newNode(t, e, testRing(t, "k1"))
	ctx := testCtx(t)
	if _, err := n.store.Create(ctx, acme()); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(rawBucket(t, n.js)["t.acme"], &rec); err != nil {
		t.Fatal(err)
	}
	const legacy = "https://hooks.acme.test/roomcast?token=legacy-in-clear"
	rec["settings"].(map[string]any)["webhook"].(map[string]any)["url"] = legacy
	b, _ := json.Marshal(rec)
	if _, err := n.store.kv.Put(ctx, "t.acme", b); err != nil {
		t.Fatal(err)
	}
	got, err := n.store.Get(ctx, "acme")
	if err != nil || got.Settings.Webhook.URL != legacy {
		t.Fatalf("legacy webhook URL: %v, %+v", err, got.Settings.Webhook)
	}
	if _, err := n.store.Update(ctx, "acme", func(*Tenant) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if raw := string(rawBucket(t, n.js)["t.acme"]); strings.Contains(raw, "legacy-in-clear") {
		t.Fatalf("the webhook URL stayed in clear after a write: %s", raw)
	}
	if got, err := n.store.Get(ctx, "acme"); err != nil || got.Settings.Webhook.URL != legacy {
		t.Fatalf("after the write: %v, %+v", err, got.Settings.Webhook)
	}
}

// TestDeleteUnopenable deletes a tenant whose record no keyring of the
// node opens any more.
func TestDeleteUnopenable(t *testing.T) {
	e := startNATS(t)
	old := newNode(t, e, testRing(t, "k1"))
	if _, err := old.store.Create(testCtx(t), Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := old.store.CreateKey(testCtx(t), "acme"); err != nil {
		t.Fatal(err)
	}
	n := newNode(t, e, testRing(t, "k2"))
	if _, err := n.store.Get(testCtx(t), "acme"); !errors.Is(err, seal.ErrUnknownKey) {
		t.Fatalf("get: %v", err)
	}
	if err := n.store.Delete(testCtx(t), "acme"); err != nil {
		t.Fatal(err)
	}
	if raw := rawBucket(t, n.js); len(raw) != 0 {
		t.Fatalf("left in the bucket: %v", raw)
	}
}
