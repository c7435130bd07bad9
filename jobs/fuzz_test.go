package jobs

import (
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// busMessages are what the bus carries from other processes: job records
// and control commands, valid and broken.
var busMessages = map[string][]byte{
	"record":          []byte(`{"info":{"id":"EG_AAAAAAAAAAAAAAAA","room":"r","status":"active","created_at":"2026-01-01T00:00:00Z","video":{},"outputs":{"rtmp":[]}},"tenant":"t","spec":{"room":"r","video":{},"audio":{},"outputs":{"rtmp":["rtmp://h/a/k"]}},"cost":10,"lease":"2026-01-01T00:00:06Z","started":true}`),
	"record-bad-id":   []byte(`{"info":{"id":"../x"},"tenant":"t"}`),
	"record-types":    []byte(`{"info":{"id":1},"cost":"x"}`),
	"stop":            []byte(`{"op":"stop"}`),
	"update":          []byte(`{"op":"update","update":{"add_rtmp":["rtmp://h/a/k"],"remove_rtmp":["OUT_X"]}}`),
	"update-no-body":  []byte(`{"op":"update"}`),
	"unknown-op":      []byte(`{"op":"reboot"}`),
	"not-json":        []byte("\x00\xff{"),
	"empty":           {},
	"deep":            []byte(`{"op":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}`),
	"huge-number":     []byte(`{"info":{"id":"EG_AAAAAAAAAAAAAAAA"},"cost":1e400}`),
	"null":            []byte(`null`),
	"record-no-spec":  []byte(`{"info":{"id":"EG_AAAAAAAAAAAAAAAA","status":"pending"}}`),
	"control-as-list": []byte(`[{"op":"stop"}]`),
}

func TestBusMessageSeeds(t *testing.T) {
	fuzzcorpus.WriteBytes(t, "FuzzBusMessages", busMessages)
	if _, err := decodeRecord(busMessages["record"]); err != nil {
		t.Errorf("valid record refused: %v", err)
	}
	for _, name := range []string{"record-bad-id", "record-types", "not-json", "huge-number"} {
		if _, err := decodeRecord(busMessages[name]); err == nil {
			t.Errorf("%s accepted as a record", name)
		}
	}
	for name, ok := range map[string]bool{"stop": true, "update": true, "update-no-body": false, "unknown-op": false, "control-as-list": false} {
		if _, err := parseControl(busMessages[name]); (err == nil) != ok {
			t.Errorf("%s: control error %v", name, err)
		}
	}
}

// FuzzBusMessages checks that no record or command from the bus panics
// the decoders, and that an accepted record encodes to one accepted again.
func FuzzBusMessages(f *testing.F) {
	for _, b := range busMessages {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseControl(b)
		rec, err := decodeRecord(b)
		if err != nil {
			return
		}
		if _, err := decodeRecord(rec.encode()); err != nil {
			t.Fatalf("re-encoded record refused: %v", err)
		}
	})
}
