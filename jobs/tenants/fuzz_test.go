package tenants

import (
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// A valid presented key, fixed for the tables.
const goodKey = "rck_abcdefgh2345_" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

// keyCases feed TestParseKey and the FuzzParseKey seeds.
var keyCases = []struct {
	name, in string
	ok       bool
}{
	{"good", goodKey, true},
	{"underscores in secret", "rck_abcdefgh2345_" + "__-_" + goodKey[21:], true},
	{"empty", "", false},
	{"prefix only", "rck_", false},
	{"upper id", "rck_ABCDEFGH2345_" + goodKey[17:], false},
	{"id with 1", "rck_abcdefgh1345_" + goodKey[17:], false},
	{"no separator", "rck_abcdefgh2345-" + goodKey[17:], false},
	{"short secret", goodKey[:len(goodKey)-1], false},
	{"long secret", goodKey + "A", false},
	{"padded", goodKey[:len(goodKey)-1] + "=", false},
	{"std alphabet", goodKey[:len(goodKey)-1] + "+", false},
	{"non-canonical tail", goodKey[:len(goodKey)-1] + "9", false},
	{"bearer prefix", "Bearer " + goodKey, false},
	{"other scheme", "sk_" + goodKey[3:], false},
	{"multibyte", "rck_abcdefgh2345_" + strings.Repeat("é", 21) + "A", false},
}

func TestParseKey(t *testing.T) {
	seeds := map[string][]any{}
	for _, c := range keyCases {
		seeds[c.name] = []any{c.in}
		id, secret, ok := splitKey(c.in)
		if ok {
			_, ok = secretHash(secret)
		}
		if ok != c.ok {
			t.Errorf("%s: ok %v, want %v", c.name, ok, c.ok)
		}
		if ok && id != c.in[4:16] {
			t.Errorf("%s: id %q", c.name, id)
		}
	}
	fuzzcorpus.Write(t, "FuzzParseKey", seeds)
}

// FuzzParseKey checks that no presented key panics the parser, and that
// what it accepts is the form newKey makes.
func FuzzParseKey(f *testing.F) {
	for _, c := range keyCases {
		f.Add(c.in)
	}
	k, presented, err := newKey("acme", time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(presented)
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, ok := splitKey(s)
		if !ok {
			return
		}
		if !keyIDRe.MatchString(id) || s != keyPrefix+id+"_"+secret {
			t.Fatalf("split %q into %q, %q", s, id, secret)
		}
		sum, ok := secretHash(secret)
		if !ok {
			return
		}
		if s == presented && hex.EncodeToString(sum[:]) != k.Hash {
			t.Fatal("the made key does not hash to its record")
		}
		raw, err := secretEnc.DecodeString(secret)
		if err != nil || secretEnc.EncodeToString(raw) != secret {
			t.Fatalf("accepted a non-canonical secret %q", secret)
		}
	})
}

// recordCases are bucket records, good and broken, with the KV key they
// sit under.
func recordCases(t testing.TB) map[string][]any {
	ring := testRing(t, "k1")
	good, err := encodeTenant(ring, acme())
	if err != nil {
		t.Fatal(err)
	}
	k, _, _ := newKey("acme", time.Unix(0, 0))
	key, _ := json.Marshal(k)
	return map[string][]any{
		"tenant":            {"t.acme", good},
		"tenant-other-id":   {"t.beta", good},
		"tenant-clear":      {"t.acme", []byte(`{"id":"acme","token_secret":"clear"}`)},
		"tenant-no-secret":  {"t.acme", []byte(`{"id":"acme"}`)},
		"tenant-types":      {"t.acme", []byte(`{"id":1,"settings":{"quotas":{"rooms":"x"}}}`)},
		"key":               {"k." + k.ID, key},
		"key-other-id":      {"k.aaaaaaaaaaaa", key},
		"key-short-hash":    {"k." + k.ID, []byte(`{"id":"` + k.ID + `","tenant":"acme","hash":"abcd"}`)},
		"key-long-hash":     {"k." + k.ID, []byte(`{"id":"` + k.ID + `","tenant":"acme","hash":"` + strings.Repeat("ab", 40) + `"}`)},
		"key-bad-tenant":    {"k." + k.ID, []byte(`{"id":"` + k.ID + `","tenant":"../x","hash":"` + k.Hash + `"}`)},
		"not-json":          {"t.acme", []byte("\x00{")},
		"other-prefix":      {"x.acme", []byte(`{}`)},
		"empty":             {"k.", []byte{}},
		"null":              {"t.acme", []byte(`null`)},
		"deep":              {"t.acme", []byte(`{"settings":{"branding":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}}`)},
		"huge-quota":        {"t.acme", []byte(`{"id":"acme","settings":{"quotas":{"rooms":1e400}}}`)},
		"storage-null":      {"t.acme", []byte(`{"id":"acme","settings":{"storage":null,"webhook":{}}}`)},
		"webhook-secret-ok": {"t.acme", []byte(`{"id":"acme","settings":{"webhook":{"secret":"sealed:v1:k1:AAAA"}}}`)},
	}
}

func TestRecordSeeds(t *testing.T) {
	cases := recordCases(t)
	fuzzcorpus.Write(t, "FuzzRecords", cases)
	ring := testRing(t, "k1")
	for name, c := range cases {
		kvKey, b := c[0].(string), c[1].([]byte)
		_, errT := decodeTenant(ring, strings.TrimPrefix(kvKey, prefixTenant), b)
		_, _, errK := decodeKey(strings.TrimPrefix(kvKey, prefixKey), b)
		if (errT == nil) != (name == "tenant") || (errK == nil) != (name == "key") {
			t.Errorf("%s: tenant error %v, key error %v", name, errT, errK)
		}
	}
}

// FuzzRecords checks that no record on the bus panics the decoders or
// the cache, and that a tenant that decodes encodes and decodes again.
func FuzzRecords(f *testing.F) {
	for _, c := range recordCases(f) {
		f.Add(c[0].(string), c[1].([]byte))
	}
	ring := testRing(f, "k1")
	s := &Store{ring: ring, log: slog.New(slog.DiscardHandler), cache: newCache()}
	f.Fuzz(func(t *testing.T, key string, b []byte) {
		sn := newSnapshot()
		s.apply(&sn, fakeEntry{key: key, value: b})
		if len(sn.tenants)+len(sn.keys) > 1 {
			t.Fatalf("one record made %d cache entries", len(sn.tenants)+len(sn.keys))
		}
		id := strings.TrimPrefix(key, prefixTenant)
		tn, err := decodeTenant(ring, id, b)
		if err != nil {
			return
		}
		again, err := encodeTenant(ring, tn)
		if err != nil {
			return // a decoded tenant need not be valid; encoding checks nothing
		}
		if _, err := decodeTenant(ring, id, again); err != nil {
			t.Fatalf("re-encoded tenant does not decode: %v", err)
		}
	})
}

// fakeEntry is a put of the bucket, for feeding the cache directly.
type fakeEntry struct {
	key   string
	value []byte
}

func (e fakeEntry) Bucket() string                  { return Bucket }
func (e fakeEntry) Key() string                     { return e.key }
func (e fakeEntry) Value() []byte                   { return e.value }
func (e fakeEntry) Revision() uint64                { return 1 }
func (e fakeEntry) Created() time.Time              { return time.Time{} }
func (e fakeEntry) Delta() uint64                   { return 0 }
func (e fakeEntry) Operation() jetstream.KeyValueOp { return jetstream.KeyValuePut }
