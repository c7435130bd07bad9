package webhook

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event types.
const (
	EgressStarted  = "egress_started"
	EgressUpdated  = "egress_updated" // an output's state changed
	EgressEnded    = "egress_ended"
	RecordingReady = "recording_ready"
	// RecordingDeleted: a recording was deleted by the tenant's retention
	// (data: the recording's summary and "reason").
	RecordingDeleted = "recording_deleted"
)

// ErrInvalidEvent is returned for an event that cannot be published or
// delivered (unknown type, missing ID, unsafe egress ID).
var ErrInvalidEvent = errors.New("invalid webhook event")

// maxTokenLen bounds the egress ID used as a subject token.
const maxTokenLen = 128

// Event is one job transition, as stored on the stream and as POSTed to
// the endpoint.
type Event struct {
	ID       string          `json:"id"` // unique; receivers dedup on it
	Type     string          `json:"type"`
	Time     time.Time       `json:"time"`
	Tenant   string          `json:"tenant"`
	EgressID string          `json:"egress_id"`
	Data     json.RawMessage `json:"data,omitempty"` // the job as the API shows it (no secrets)
}

// NewEvent builds an event with a fresh random ID and the current time.
// data is marshalled to JSON; nil leaves Data empty.
func NewEvent(typ, tenant, egressID string, data any) (Event, error) {
	ev := Event{
		ID:       "EV_" + rand.Text(),
		Type:     typ,
		Time:     time.Now().UTC(),
		Tenant:   tenant,
		EgressID: egressID,
	}
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			return Event{}, fmt.Errorf("marshal %s event data: %w", typ, err)
		}
		ev.Data = raw
	}
	if err := ev.validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// validate checks the fields the stream and the receivers rely on.
func (ev Event) validate() error {
	switch {
	case ev.ID == "":
		return fmt.Errorf("%w: empty id", ErrInvalidEvent)
	case !knownType(ev.Type):
		return fmt.Errorf("%w: unknown type %q", ErrInvalidEvent, ev.Type)
	case !safeToken(ev.EgressID):
		return fmt.Errorf("%w: egress id %q is not a safe subject token", ErrInvalidEvent, ev.EgressID)
	}
	return nil
}

func knownType(t string) bool {
	switch t {
	case EgressStarted, EgressUpdated, EgressEnded, RecordingReady, RecordingDeleted:
		return true
	}
	return false
}

// safeToken reports whether s can be one NATS subject token: ASCII
// letters, digits, '_' and '-' only, so no '.', '*', '>' or whitespace.
func safeToken(s string) bool {
	if s == "" || len(s) > maxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// decodeEvent parses and validates a message body from the stream.
func decodeEvent(b []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	if err := ev.validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}
