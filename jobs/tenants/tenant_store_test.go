package tenants

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
)

// acme is a tenant with every setting, secrets included.
func acme() Tenant {
	return Tenant{
		ID: "acme", Name: "Acme Corp",
		Settings: Settings{
			Branding: json.RawMessage(`{"logo":"https://acme.test/logo.png"}`),
			Layout:   json.RawMessage(`"speaker"`),
			Storage: &Storage{
				Endpoint: "https://s3.acme.test", Region: "eu-west-1", Bucket: "rec", Prefix: "acme/",
				AccessKeyID: "AKIAACME", SecretAccessKey: "storage-secret-ACME-0001", PathStyle: true,
			},
			Webhook:          &Webhook{URL: "https://hooks.acme.test/roomcast", Secret: "whsec-ACME-0002-signing"},
			Quotas:           Quotas{Rooms: 10, ConcurrentJobs: 3, RetentionDays: 30},
			AllowedRTMPHosts: []string{"a.rtmp.youtube.com", "*.twitch.tv"},
		},
	}
}

func TestTenantCRUD(t *testing.T) {
	e := startNATS(t)
	s := newNode(t, e, testRing(t, "k1")).store
	ctx := testCtx(t)

	created, err := s.Create(ctx, acme())
	if err != nil {
		t.Fatal(err)
	}
	if len(created.TokenSecret) != tokenSecretLen || created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Fatalf("created tenant: token %d bytes, times %v %v", len(created.TokenSecret), created.CreatedAt, created.UpdatedAt)
	}
	got, err := s.Get(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Fatalf("get:\n%+v\nwant\n%+v", got, created)
	}
	if _, err := s.Create(ctx, acme()); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	if _, err := s.Create(ctx, Tenant{ID: "beta"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "acme" || list[1].ID != "beta" {
		t.Fatalf("list: %v, %v", list, err)
	}

	updated, err := s.Update(ctx, "acme", func(t *Tenant) error {
		t.Name = "Acme Inc"
		t.Settings.Webhook = nil
		t.TokenSecret = nil // kept
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, "acme")
	if got.Name != "Acme Inc" || got.Settings.Webhook != nil || !got.CreatedAt.Equal(created.CreatedAt) ||
		!got.UpdatedAt.After(created.UpdatedAt) || string(got.TokenSecret) != string(created.TokenSecret) ||
		!reflect.DeepEqual(got, updated) {
		t.Fatalf("after update: %+v", got)
	}
	if _, err := s.Update(ctx, "acme", func(t *Tenant) error { t.ID = "other"; return nil }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("id change: %v", err)
	}
	refusal := errors.New("refused by fn")
	if _, err := s.Update(ctx, "acme", func(*Tenant) error { return refusal }); !errors.Is(err, refusal) {
		t.Fatalf("fn error: %v", err)
	}

	if err := s.Delete(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"get":    second(s.Get(ctx, "acme")),
		"delete": s.Delete(ctx, "acme"),
		"update": second(s.Update(ctx, "acme", func(*Tenant) error { return nil })),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after delete: %v, want ErrNotFound", what, err)
		}
	}
	if _, err := s.Create(ctx, Tenant{ID: "acme"}); err != nil {
		t.Fatalf("create again after delete: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestInvalidTenants(t *testing.T) {
	e := startNATS(t)
	s := newNode(t, e, testRing(t, "k1")).store
	cases := []struct {
		field string
		edit  func(*Tenant)
	}{
		{"id", func(t *Tenant) { t.ID = "" }},
		{"id", func(t *Tenant) { t.ID = "Acme" }},
		{"id", func(t *Tenant) { t.ID = "-acme" }},
		{"id", func(t *Tenant) { t.ID = "acme.corp" }},
		{"id", func(t *Tenant) { t.ID = "a234567890123456789012345678901234567890123456789012345678901234" }},
		{"name", func(t *Tenant) { t.Name = string(make([]byte, 201)) }},
		{"settings.branding", func(t *Tenant) { t.Settings.Branding = json.RawMessage(`{`) }},
		{"settings.quotas.rooms", func(t *Tenant) { t.Settings.Quotas.Rooms = -1 }},
		{"settings.allowed_rtmp_hosts[1]", func(t *Tenant) { t.Settings.AllowedRTMPHosts[1] = "twitch.tv:1935" }},
		{"settings.allowed_rtmp_hosts[0]", func(t *Tenant) { t.Settings.AllowedRTMPHosts[0] = "*" }},
		{"settings.storage.bucket", func(t *Tenant) { t.Settings.Storage.Bucket = "" }},
		{"settings.storage.endpoint", func(t *Tenant) { t.Settings.Storage.Endpoint = "s3.acme.test" }},
		{"settings.storage.access_key_id", func(t *Tenant) { t.Settings.Storage.AccessKeyID = "" }},
		{"settings.webhook.url", func(t *Tenant) { t.Settings.Webhook.URL = "ftp://hooks.acme.test" }},
		{"token_secret", func(t *Tenant) { t.TokenSecret = []byte("short") }},
	}
	for _, c := range cases {
		tn := acme()
		c.edit(&tn)
		_, err := s.Create(testCtx(t), tn)
		var inv *InvalidError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &inv) || inv.Field != c.field {
			t.Errorf("%s: error %v, want invalid %s", c.field, err, c.field)
		}
	}
	list, err := s.List(testCtx(t))
	if err != nil || len(list) != 0 {
		t.Fatalf("invalid tenants written: %v, %v", list, err)
	}
	if _, err := s.Get(testCtx(t), "../x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get of a bad id: %v", err)
	}
}

func TestEnsure(t *testing.T) {
	e := startNATS(t)
	s := newNode(t, e, testRing(t, "k1")).store
	first, err := s.Ensure(testCtx(t), "default")
	if err != nil || first.Name != "default" || len(first.TokenSecret) != tokenSecretLen {
		t.Fatalf("ensure: %+v, %v", first, err)
	}
	again, err := s.Ensure(testCtx(t), "default")
	if err != nil || string(again.TokenSecret) != string(first.TokenSecret) || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("second ensure made another tenant: %v", err)
	}
	if _, err := s.Ensure(testCtx(t), "Bad_ID"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ensure of a bad id: %v", err)
	}
}

// TestUpdateConflicts has two nodes update one tenant at once: every
// update lands, through the revision check and its retries.
func TestUpdateConflicts(t *testing.T) {
	e := startNATS(t)
	ring := testRing(t, "k1")
	stores := []*Store{newNode(t, e, ring).store, newNode(t, e, ring).store}
	if _, err := stores[0].Create(testCtx(t), Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	const perStore = 4
	var wg sync.WaitGroup
	errs := make(chan error, 2*perStore)
	for _, s := range stores {
		for range perStore {
			wg.Go(func() {
				_, err := s.Update(testCtx(t), "acme", func(t *Tenant) error { t.Settings.Quotas.Rooms++; return nil })
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := stores[1].Get(testCtx(t), "acme")
	if err != nil || got.Settings.Quotas.Rooms != 2*perStore {
		t.Fatalf("rooms %d after %d updates (%v)", got.Settings.Quotas.Rooms, 2*perStore, err)
	}
}
