package jobs

import (
	"bytes"
	"testing"

	"github.com/roomcast/roomcast/storage/archive"
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
	"orphans":         []byte(`{"op":"orphans","orphans":{"generation":0,"segments":[{"name":"seg-000003.m4s","size":10,"sha256":"ab","sequence":3,"init":"init-0.mp4","start_seconds":6,"duration_seconds":2}],"raw":[{"name":"raw/a/v-0002.mp4","participant":"a","track":"v","codec":"h264"}]}}`),
	"orphans-bad":     []byte(`{"op":"orphans","orphans":{"segments":[{"name":"../x","init":"nope","sequence":18446744073709551615,"duration_seconds":-1}]}}`),
	"orphans-no-body": []byte(`{"op":"orphans"}`),
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
	for name, ok := range map[string]bool{"stop": true, "update": true, "update-no-body": false, "unknown-op": false, "control-as-list": false, "orphans": true, "orphans-no-body": false} {
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
		if c, err := parseControl(b); err == nil && c.Op == "orphans" {
			mergeFuzzed(t, *c.Orphans)
		}
		rec, err := decodeRecord(b)
		if err != nil {
			return
		}
		if _, err := decodeRecord(rec.encode()); err != nil {
			t.Fatalf("re-encoded record refused: %v", err)
		}
	})
}

// mergeFuzzed merges orphans from the bus into a taken-over recording:
// never a panic, and what is accepted keeps the recording playable with
// each name once.
func mergeFuzzed(t *testing.T, o archive.Orphans) {
	m := &archive.Manifest{Inits: []archive.File{{Name: "init-0.mp4"}, {Name: "g1-init-0.mp4"}}}
	for i, name := range []string{"seg-000000.m4s", "seg-000001.m4s", "g1-seg-000002.m4s"} {
		init := "init-0.mp4"
		if i == 2 {
			init = "g1-init-0.mp4"
		}
		m.Segments = append(m.Segments, archive.Segment{File: archive.File{Name: name}, Sequence: uint64(i), Init: init, Start: float64(2 * i), Duration: 2})
	}
	if _, err := m.MergeOrphans(o); err != nil {
		return
	}
	seen := map[string]bool{}
	for _, s := range m.Segments {
		if seen[s.Name] {
			t.Fatalf("%s listed twice after a merge", s.Name)
		}
		seen[s.Name] = true
	}
	if err := m.Playlist().Render(&bytes.Buffer{}, nil); err != nil {
		t.Fatalf("playlist after a merge: %v", err)
	}
}
