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
	streamMaxAge  = 7 * 24 * time.Hour
	dedupWindow   = 2 * time.Minute
)

// EnsureStream creates the event stream or updates it to this layout.
func EnsureStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "roomcast egress job events for webhooks",
		Subjects:    []string{streamSubject},
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

// Publish stores ev on the stream under "roomcast.events.<EgressID>".
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
	if _, err := js.Publish(ctx, subjectPrefix+ev.EgressID, body, jetstream.WithMsgID(ev.ID)); err != nil {
		return fmt.Errorf("publish event %s (%s): %w", ev.ID, ev.Type, err)
	}
	return nil
}
