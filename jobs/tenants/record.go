package tenants

import (
	"encoding/json"
	"fmt"

	"github.com/roomcast/roomcast/jobs/seal"
)

// record is a tenant as the bucket holds it: Tenant with every secret
// field sealed, bound to the tenant id and the field's name.
type record struct {
	Tenant
	TokenSecret string `json:"token_secret"` // sealed; shadows Tenant's
}

// Names of the sealed fields, part of each one's aad.
const (
	fieldStorageSecret = "settings.storage.secret_access_key"
	fieldWebhookSecret = "settings.webhook.secret"
	fieldWebhookURL    = "settings.webhook.url"
	fieldTokenSecret   = "token_secret"
)

// aad binds a sealed value to its tenant and field.
func aad(tenant, field string) string { return "roomcast/tenant/" + tenant + "/" + field }

// encodeTenant seals t's secrets and encodes the record.
func encodeTenant(ring *seal.Keyring, t Tenant) ([]byte, error) {
	r := record{Tenant: t.Clone()}
	r.Tenant.TokenSecret = nil
	var err error
	if r.TokenSecret, err = ring.Seal(string(t.TokenSecret), aad(t.ID, fieldTokenSecret)); err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	for _, f := range append(secretFields(&r.Tenant), urlFields(&r.Tenant)...) {
		if *f.value == "" {
			continue
		}
		if *f.value, err = ring.Seal(*f.value, aad(t.ID, f.name)); err != nil {
			return nil, fmt.Errorf("tenant %s: %s: %w", t.ID, f.name, err)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: encode: %w", t.ID, err)
	}
	return b, nil
}

// decodeTenant decodes the record under KV key id and opens its
// secrets. A secret stored in clear is refused, like a tampered one.
func decodeTenant(ring *seal.Keyring, id string, b []byte) (Tenant, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Tenant{}, fmt.Errorf("tenant %s: decode: %w", id, err)
	}
	if r.ID != id {
		return Tenant{}, fmt.Errorf("tenant %s: record names tenant %q", id, r.ID)
	}
	t := r.Tenant
	token, err := ring.Open(r.TokenSecret, aad(id, fieldTokenSecret))
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant %s: %s: %w", id, fieldTokenSecret, err)
	}
	t.TokenSecret = []byte(token)
	for _, f := range secretFields(&t) {
		if *f.value == "" {
			continue
		}
		if *f.value, err = ring.Open(*f.value, aad(id, f.name)); err != nil {
			return Tenant{}, fmt.Errorf("tenant %s: %s: %w", id, f.name, err)
		}
	}
	for _, f := range urlFields(&t) {
		if !seal.IsSealed(*f.value) {
			continue // written before URLs were sealed: the next write seals it
		}
		if *f.value, err = ring.Open(*f.value, aad(id, f.name)); err != nil {
			return Tenant{}, fmt.Errorf("tenant %s: %s: %w", id, f.name, err)
		}
	}
	return t, nil
}

// urlFields lists t's URLs that may carry a credential (webhook URLs
// often hold a token, in their path or query), sealed like the secrets;
// one stored in clear, by a version that did not seal it, is read as it
// is.
func urlFields(t *Tenant) []secretField {
	if w := t.Settings.Webhook; w != nil {
		return []secretField{{fieldWebhookURL, &w.URL}}
	}
	return nil
}

// secretField is one string secret of a tenant, in place.
type secretField struct {
	name  string
	value *string
}

// secretFields lists t's string secrets that are set up (their parent
// is not nil).
func secretFields(t *Tenant) []secretField {
	var fs []secretField
	if s := t.Settings.Storage; s != nil {
		fs = append(fs, secretField{fieldStorageSecret, &s.SecretAccessKey})
	}
	if w := t.Settings.Webhook; w != nil {
		fs = append(fs, secretField{fieldWebhookSecret, &w.Secret})
	}
	return fs
}
