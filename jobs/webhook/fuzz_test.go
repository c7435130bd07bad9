package webhook

import (
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// eventBodies are stream messages and webhook deliveries, valid and not.
var eventBodies = map[string][]byte{
	"valid":        []byte(`{"id":"EV_abc","type":"egress_ended","time":"2026-01-01T00:00:00Z","tenant":"t","egress_id":"EG_X","data":{"status":"complete"}}`),
	"unknown-type": []byte(`{"id":"EV_abc","type":"reboot","time":"2026-01-01T00:00:00Z","egress_id":"EG_X"}`),
	"bad-egress":   []byte(`{"id":"EV_abc","type":"egress_started","egress_id":"a.b>c"}`),
	"no-id":        []byte(`{"type":"egress_started","egress_id":"EG_X"}`),
	"not-json":     []byte("\x00{"),
	"empty":        {},
	"data-garbage": []byte(`{"id":"EV_abc","type":"egress_started","egress_id":"EG_X","data":12e999}`),
}

func TestEventBodySeeds(t *testing.T) {
	fuzzcorpus.WriteBytes(t, "FuzzEventBodies", eventBodies)
	if _, err := decodeEvent(eventBodies["valid"]); err != nil {
		t.Errorf("valid event refused: %v", err)
	}
	for _, name := range []string{"unknown-type", "bad-egress", "no-id", "not-json", "empty"} {
		if _, err := decodeEvent(eventBodies[name]); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// FuzzEventBodies checks that no stream message panics the decoder and
// that Verify rejects any body under a signature made for another.
func FuzzEventBodies(f *testing.F) {
	for _, b := range eventBodies {
		f.Add(b)
	}
	now := time.Unix(1767225600, 0)
	h := signedHeader("secret-0123456789abcdef", now, eventBodies["valid"])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeEvent(b)
		if err := Verify("secret-0123456789abcdef", h, b, now, time.Minute); err == nil && string(b) != string(eventBodies["valid"]) {
			t.Fatalf("a signature verified another body: %q", b)
		}
	})
}
