package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream layout.
const (
	StreamName    = "EGRESS_EVENTS"
	subjectPrefix = "roomcast.events."
	streamSubject = subjectPrefix + ">"
	// retryPrefix + endpoint name carries parked events sent back to
	// that endpoint alone (POST /v1/webhooks/parked/{id}/retry).
	retryPrefix   = "roomcast.retry."
	retrySubjects = retryPrefix + ">"
	// noTenant stands for an empty or unsafe tenant in a subject; only
	// the global endpoint receives those events.
	noTenant     = "_"
	streamMaxAge = 7 * 24 * time.Hour
	dedupWindow  = 2 * time.Minute
)

// EnsureStream creates the event stream or updates it to this layout.
func EnsureStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "roomcast egress job events for webhooks",
		Subjects:    []string{streamSubject, retrySubjects},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      streamMaxAge,
		Duplicates:  dedupWindow,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", StreamName, err)
	}
	return nil
}

// Publish stores ev on the stream under
// "roomcast.events.<Tenant>.<EgressID>" (tenant "_" when empty).
// The event ID is the JetStream message ID, so a retried publish of the
// same event within the dedup window is stored once.
func Publish(ctx context.Context, js jetstream.JetStream, ev Event) error {
	if err := ev.validate(); err != nil {
		return err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("marshal event %s: %w", ev.ID, err)
	}
	if _, err := js.Publish(ctx, eventSubject(ev), body, jetstream.WithMsgID(ev.ID)); err != nil {
		return fmt.Errorf("publish event %s (%s): %w", ev.ID, ev.Type, err)
	}
	return nil
}

// eventSubject is where ev is stored: a tenant's endpoints filter on
// its tenant token.
func eventSubject(ev Event) string {
	return tenantFilter(ev.Tenant) + ev.EgressID
}

// tenantFilter is the subject prefix of a tenant's events.
func tenantFilter(tenant string) string {
	if !safeToken(tenant) {
		tenant = noTenant
	}
	return subjectPrefix + tenant + "."
}

// filterSubjects are what an endpoint's consumer reads: its tenant's
// events (every event for the global endpoint) and its own retries.
func filterSubjects(e Endpoint) []string {
	events := streamSubject
	if e.Tenant != "" {
		events = tenantFilter(e.Tenant) + "*"
	}
	return []string{events, retryPrefix + e.Name()}
}
