package jobs

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// fuzzKeyring opens the sealed seeds: a fixed key, so the committed
// corpus stays valid.
var fuzzKeyring = func() *seal.Keyring {
	r, err := seal.NewKeyring(seal.Key{ID: "fz", Secret: bytes.Repeat([]byte{7}, seal.KeySize)})
	if err != nil {
		panic(err)
	}
	return r
}()

// Sealed RTMP targets: under fuzzKeyring for job EG_AAAAAAAAAAAAAAAA
// ("rtmp://h/a/fuzz-key-1") and for job EG_BBBBBBBBBBBBBBBB; under a
// key "gone" that fuzzKeyring lacks.
const (
	sealedForA   = "sealed:v1:fz:K9i-uTldk_UUdvpkeAVeBBChMU1YcwBuogt78Yx5i0uDU-ATAzMNpPcfEABS7h039Q"
	sealedForB   = "sealed:v1:fz:O8apG56AhmEDIZ0hhqrk5R7dmuFzG_Hc6UtnfT-d0l6nUjhFu7Zle5NQD15e9fvGDw"
	sealedByGone = "sealed:v1:gone:EoZkw5hJJkPA25eVBKyAKKjBWuNzds9n6J_MdWd-4EBIQjgrXSBicZYeSMj5IPJnjQ"
)

// recordWithTargets is a job record of EG_AAAAAAAAAAAAAAAA with targets.
func recordWithTargets(targets string) []byte {
	return []byte(`{"info":{"id":"EG_AAAAAAAAAAAAAAAA","room":"r","status":"active","created_at":"2026-01-01T00:00:00Z","video":{},"outputs":{"rtmp":[{"id":"OUT_1","url":"rtmp://h:1935/a/****","state":"live"}]}},"tenant":"t","spec":{"room":"r","video":{},"audio":{},"outputs":{"rtmp":[` + targets + `]}},"cost":10,"started":true}`)
}

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
	// Records with sealed targets: valid, sealed for another job, with
	// a key the node lacks, altered, malformed, beside a legacy target
	// in clear, and in a target object.
	"record-sealed":          recordWithTargets(`"` + sealedForA + `"`),
	"record-sealed-other":    recordWithTargets(`"` + sealedForB + `"`),
	"record-sealed-gone-key": recordWithTargets(`"` + sealedByGone + `"`),
	"record-sealed-altered":  recordWithTargets(`"` + strings.Replace(sealedForA, "K9i-", "K9j-", 1) + `"`),
	"record-sealed-garbage":  recordWithTargets(`"sealed:v1:fz:!!"`),
	"record-sealed-legacy":   recordWithTargets(`"rtmp://h/a/legacy-key","` + sealedForA + `"`),
	"record-sealed-object":   recordWithTargets(`{"url":"` + sealedForA + `","canvas":"v","max_retry_seconds":5}`),
}

func TestBusMessageSeeds(t *testing.T) {
	fuzzcorpus.WriteBytes(t, "FuzzBusMessages", busMessages)
	if _, err := decodeRecord(busMessages["record"], fuzzKeyring); err != nil {
		t.Errorf("valid record refused: %v", err)
	}
	for _, name := range []string{"record-bad-id", "record-types", "not-json", "huge-number"} {
		if _, err := decodeRecord(busMessages[name], fuzzKeyring); err == nil {
			t.Errorf("%s accepted as a record", name)
		}
	}
	for name, want := range map[string][]string{
		"record":               {"rtmp://h/a/k"},
		"record-sealed":        {"rtmp://h/a/fuzz-key-1"},
		"record-sealed-legacy": {"rtmp://h/a/legacy-key", "rtmp://h/a/fuzz-key-1"},
		"record-sealed-object": {"rtmp://h/a/fuzz-key-1"},
	} {
		rec, err := decodeRecord(busMessages[name], fuzzKeyring)
		if err != nil || rec.sealed() != nil {
			t.Fatalf("%s: %v, %v", name, err, rec.sealed())
		}
		var got []string
		for _, tg := range rec.Spec.Outputs.RTMP {
			got = append(got, tg.URL)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: targets %q, want %q", name, got, want)
		}
	}
	for name, cause := range map[string]error{
		"record-sealed-other":    seal.ErrTampered,
		"record-sealed-gone-key": seal.ErrUnknownKey,
		"record-sealed-altered":  seal.ErrTampered,
		"record-sealed-garbage":  seal.ErrMalformed,
	} {
		rec, err := decodeRecord(busMessages[name], fuzzKeyring)
		if err != nil {
			t.Fatalf("%s: unreadable: %v", name, err)
		}
		if e := rec.sealed(); !errors.Is(e, ErrSecretKey) || !errors.Is(e, cause) || strings.Contains(e.Error(), "rtmp://") {
			t.Errorf("%s: %v, want ErrSecretKey and %v, no URL", name, e, cause)
		}
		if rec.Info.ID != "EG_AAAAAAAAAAAAAAAA" || rec.Info.Status != "active" {
			t.Errorf("%s: the state of a record that does not open must still read: %+v", name, rec.Info)
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
		rec, err := decodeRecord(b, fuzzKeyring)
		if err != nil {
			return
		}
		checkReencoded(t, rec)
	})
}

// checkReencoded: an accepted record encodes to one accepted again, with
// every target sealed, the same targets when they opened, still sealed
// when they did not, and redacted URLs only in its Info.
func checkReencoded(t *testing.T, rec *Record) {
	enc, err := rec.encode(fuzzKeyring)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	again, err := decodeRecord(enc, fuzzKeyring)
	if err != nil {
		t.Fatalf("re-encoded record refused: %v", err)
	}
	if (rec.sealed() == nil) != (again.sealed() == nil) {
		t.Fatalf("opened %v, after a write %v", rec.sealed(), again.sealed())
	}
	if rec.sealed() == nil {
		if len(again.Spec.Outputs.RTMP) != len(rec.Spec.Outputs.RTMP) {
			t.Fatalf("%d targets, %d after a write", len(rec.Spec.Outputs.RTMP), len(again.Spec.Outputs.RTMP))
		}
		for i, tg := range rec.Spec.Outputs.RTMP {
			if again.Spec.Outputs.RTMP[i] != tg {
				t.Fatalf("target %d changed in a write", i)
			}
		}
	}
	stored, err := decodeRecord(enc, nil) // as stored: nothing opened
	if err != nil {
		t.Fatal(err)
	}
	for i, tg := range stored.Spec.Outputs.RTMP {
		if !seal.IsSealed(tg.URL) {
			t.Fatalf("target %d stored in clear", i)
		}
	}
	for i, o := range stored.Info.Outputs.RTMP {
		if o.URL != "<invalid url>" && !strings.HasSuffix(o.URL, "/****") {
			t.Fatalf("info output %d stored unredacted", i)
		}
	}
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
