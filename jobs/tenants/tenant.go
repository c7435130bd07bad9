package tenants

import (
	"encoding/json"
	"slices"
	"time"
)

// Tenant is one company using roomcast, with its own keys and settings.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Disabled tenants' keys and join tokens stop working; their records
	// stay.
	Disabled bool     `json:"disabled,omitempty"`
	Settings Settings `json:"settings"`
	// TokenSecret signs the tenant's participant join tokens: 32 random
	// bytes made when the tenant is created. It never appears in JSON;
	// the stored record holds it sealed.
	TokenSecret []byte `json:"-"`
}

// Settings are a tenant's own choices; every field is optional.
type Settings struct {
	// Branding, Layout and Canvas are the defaults of the tenant's
	// composite jobs, in the API's form (which the API validates).
	Branding json.RawMessage `json:"branding,omitempty"`
	Layout   json.RawMessage `json:"layout,omitempty"`
	Canvas   json.RawMessage `json:"canvas,omitempty"`
	// Storage is where the tenant's recordings go; nil: the server's.
	Storage *Storage `json:"storage,omitempty"`
	// Webhook receives the tenant's events; nil: none of its own.
	Webhook *Webhook `json:"webhook,omitempty"`
	Quotas  Quotas   `json:"quotas"`
	// AllowedRTMPHosts limits where the tenant may stream: host names
	// ("a.rtmp.youtube.com") or "*." patterns ("*.twitch.tv", which
	// matches any subdomain, not twitch.tv itself). Empty: any host.
	AllowedRTMPHosts []string `json:"allowed_rtmp_hosts,omitempty"`
}

// Storage is an S3-compatible bucket of the tenant's.
type Storage struct {
	Endpoint        string `json:"endpoint,omitempty"`
	Region          string `json:"region,omitempty"`
	Bucket          string `json:"bucket"`
	Prefix          string `json:"prefix,omitempty"`
	AccessKeyID     string `json:"access_key_id,omitempty"`
	SecretAccessKey string `json:"secret_access_key,omitempty"` // sealed at rest
	PathStyle       bool   `json:"path_style,omitempty"`
}

// Webhook is the tenant's own event endpoint.
type Webhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"` // sealed at rest
	// Since is when the URL was set: the endpoint gets the tenant's
	// events from then on. The API sets it.
	Since time.Time `json:"since,omitzero"`
}

// Quotas limit a tenant; 0 is no limit (RetentionDays 0: keep forever).
type Quotas struct {
	Rooms               int `json:"rooms,omitempty"`
	ParticipantsPerRoom int `json:"participants_per_room,omitempty"`
	ConcurrentJobs      int `json:"concurrent_jobs,omitempty"`
	TargetsPerJob       int `json:"targets_per_job,omitempty"`
	RetentionDays       int `json:"retention_days,omitempty"`
}

// redactedMark replaces a secret in the redacted view.
const redactedMark = "********"

// Redacted is the tenant as the API shows it: secrets replaced by
// "********" when set, the token secret left out.
func (t Tenant) Redacted() Tenant {
	r := t.Clone()
	r.TokenSecret = nil
	for _, f := range secretFields(&r) {
		if *f.value != "" {
			*f.value = redactedMark
		}
	}
	return r
}

// Clone is a deep copy: changing it leaves t alone.
func (t Tenant) Clone() Tenant {
	c := t
	c.TokenSecret = slices.Clone(t.TokenSecret)
	c.Settings.Branding = slices.Clone(t.Settings.Branding)
	c.Settings.Layout = slices.Clone(t.Settings.Layout)
	c.Settings.Canvas = slices.Clone(t.Settings.Canvas)
	c.Settings.AllowedRTMPHosts = slices.Clone(t.Settings.AllowedRTMPHosts)
	if t.Settings.Storage != nil {
		s := *t.Settings.Storage
		c.Settings.Storage = &s
	}
	if t.Settings.Webhook != nil {
		w := *t.Settings.Webhook
		c.Settings.Webhook = &w
	}
	return c
}
