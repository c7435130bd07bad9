package types

import (
	"encoding/json"
	"time"
)

// Worker is an egress worker as GET /v1/workers shows it (jobs.WorkerInfo).
type Worker struct {
	ID       string `json:"id"`
	Capacity int    `json:"capacity"`
	// Load is the sum of its jobs' prices; CPU their measured CPU, both
	// in percent of one core.
	Load      int       `json:"load"`
	CPU       float64   `json:"cpu"`
	Jobs      []string  `json:"jobs"`
	Draining  bool      `json:"draining,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Heartbeat time.Time `json:"heartbeat"`
}

// ParkedEvent is a webhook event its endpoint refused, as
// GET /v1/webhooks/parked lists it (webhook.Parked).
type ParkedEvent struct {
	ID        string       `json:"id"`
	Endpoint  string       `json:"endpoint"`
	Tenant    string       `json:"tenant"`
	State     string       `json:"state"` // "parked" | "retrying"
	Attempts  int          `json:"attempts"`
	LastError string       `json:"last_error"`
	ParkedAt  time.Time    `json:"parked_at"`
	Event     WebhookEvent `json:"event"`
}

// WebhookEvent is one job event as webhooks deliver it (webhook.Event).
type WebhookEvent struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Time     time.Time       `json:"time"`
	Tenant   string          `json:"tenant"`
	EgressID string          `json:"egress_id"`
	Data     json.RawMessage `json:"data,omitempty"`
}
