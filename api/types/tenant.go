package types

import "time"

// Tenant is one company using roomcast, as the admin routes
// /v1/tenants answer it: secrets in Settings show as "********".
type Tenant struct {
	ID        string         `json:"id"`
	Name      string         `json:"name,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Disabled  bool           `json:"disabled,omitempty"`
	Settings  TenantSettings `json:"settings"`
}

// TenantSettings are a tenant's own choices; every field is optional.
type TenantSettings struct {
	// Branding, Layout and Canvas are the defaults of the tenant's
	// composite jobs.
	Branding *BrandingSpec `json:"branding,omitempty"`
	Layout   string        `json:"layout,omitempty"`
	Canvas   *CanvasSize   `json:"canvas,omitempty"`
	// Storage is where the tenant's recordings go; nil: the server's.
	Storage *TenantStorage `json:"storage,omitempty"`
	// Webhook receives the tenant's events; nil: none of its own.
	Webhook *TenantWebhook `json:"webhook,omitempty"`
	Quotas  TenantQuotas   `json:"quotas"`
	// AllowedRTMPHosts limits where the tenant may stream: host names or
	// "*." patterns; empty: any host.
	AllowedRTMPHosts []string `json:"allowed_rtmp_hosts,omitempty"`
}

// CanvasSize is a picture's size in pixels.
type CanvasSize struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// TenantStorage is an S3-compatible bucket of the tenant's.
type TenantStorage struct {
	Endpoint        string `json:"endpoint,omitempty"`
	Region          string `json:"region,omitempty"`
	Bucket          string `json:"bucket"`
	Prefix          string `json:"prefix,omitempty"`
	AccessKeyID     string `json:"access_key_id,omitempty"`
	SecretAccessKey string `json:"secret_access_key,omitempty"`
	PathStyle       bool   `json:"path_style,omitempty"`
}

// TenantWebhook is the tenant's own event endpoint.
type TenantWebhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// TenantQuotas limit a tenant; 0 is no limit (RetentionDays 0: keep
// forever).
type TenantQuotas struct {
	Rooms               int `json:"rooms,omitempty"`
	ParticipantsPerRoom int `json:"participants_per_room,omitempty"`
	ConcurrentJobs      int `json:"concurrent_jobs,omitempty"`
	TargetsPerJob       int `json:"targets_per_job,omitempty"`
	RetentionDays       int `json:"retention_days,omitempty"`
}

// TenantCreate is the body of POST /v1/tenants.
type TenantCreate struct {
	ID       string          `json:"id"`
	Name     string          `json:"name,omitempty"`
	Disabled bool            `json:"disabled,omitempty"`
	Settings *TenantSettings `json:"settings,omitempty"`
}

// TenantUpdate is the body of PATCH /v1/tenants/{id}: nil fields stay
// as they are; Settings, when given, replaces the tenant's settings.
type TenantUpdate struct {
	Name     *string         `json:"name,omitempty"`
	Disabled *bool           `json:"disabled,omitempty"`
	Settings *TenantSettings `json:"settings,omitempty"`
}

// APIKey is a tenant's API key as GET /v1/tenants/{id}/keys lists it:
// never the secret.
type APIKey struct {
	ID string `json:"id"`
	// Prefix is how listings show the key: "rck_<id>".
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}

// NewAPIKey is POST /v1/tenants/{id}/keys's answer: the only time the
// key itself is shown.
type NewAPIKey struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
}

// Usage is what a tenant uses, beside its quotas, as GET /v1/usage and
// GET /v1/tenants/{id}/usage show it. Rooms and participants are those of
// the node that answers.
type Usage struct {
	Tenant         string       `json:"tenant"`
	Rooms          int          `json:"rooms"`
	Participants   int          `json:"participants"`
	ActiveJobs     int          `json:"active_jobs"`
	Recordings     int          `json:"recordings"`
	RecordingBytes int64        `json:"recording_bytes"`
	Quotas         TenantQuotas `json:"quotas"`
}
