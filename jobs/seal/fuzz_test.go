package seal

import (
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// fuzzRing is the keyring FuzzOpen opens with: k2 active, k1 older.
func fuzzRing(t testing.TB) *Keyring {
	return testRing(t, Key{ID: "k2", Secret: testKey(2)}, Key{ID: "k1", Secret: testKey(1)})
}

// openSeeds are sealed values, good and broken, with their aad.
func openSeeds(t testing.TB) map[string][]any {
	r := fuzzRing(t)
	old := testRing(t, Key{ID: "k1", Secret: testKey(1)})
	good, _ := r.Seal("secret", "tenant:a:f")
	byOld, _ := old.Seal("older", "tenant:a:f")
	return map[string][]any{
		"good":        {good, "tenant:a:f"},
		"old-key":     {byOld, "tenant:a:f"},
		"wrong-aad":   {good, "tenant:b:f"},
		"unknown-kid": {prefix + "k9:" + good[len(prefix)+3:], "tenant:a:f"},
		"plain":       {"secret", ""},
		"prefix-only": {prefix, ""},
		"no-box":      {prefix + "k2:", ""},
		"bad-base64":  {prefix + "k2:===", ""},
		"short-box":   {prefix + "k2:AAAAAAAAAAAAAAAA", ""},
	}
}

func TestOpenSeeds(t *testing.T) {
	fuzzcorpus.Write(t, "FuzzOpen", openSeeds(t))
}

// FuzzOpen checks that no input panics Open and that only values this
// keyring sealed for that aad open.
func FuzzOpen(f *testing.F) {
	for _, args := range openSeeds(f) {
		f.Add(args[0].(string), args[1].(string))
	}
	r := fuzzRing(f)
	f.Fuzz(func(t *testing.T, s, aad string) {
		plain, err := r.Open(s, aad)
		if err != nil {
			return
		}
		again, err := r.Seal(plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := r.Open(again, aad); err != nil || back != plain {
			t.Fatalf("reseal round trip: %q, %v", back, err)
		}
	})
}

func TestParseKeysSeeds(t *testing.T) {
	seeds := map[string][]any{}
	for _, c := range parseCases {
		seeds[c.name] = []any{c.in}
	}
	fuzzcorpus.Write(t, "FuzzParseKeys", seeds)
}

// FuzzParseKeys checks that no config value panics ParseKeys and that a
// keyring it accepts seals and opens.
func FuzzParseKeys(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseKeys(s)
		if err != nil {
			return
		}
		ids := r.IDs()
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] || !idRe.MatchString(id) {
				t.Fatalf("ids %q", ids)
			}
			seen[id] = true
		}
		sealed, err := r.Seal("x", "aad")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := r.Open(sealed, "aad"); err != nil || got != "x" {
			t.Fatalf("round trip: %q, %v", got, err)
		}
	})
}
