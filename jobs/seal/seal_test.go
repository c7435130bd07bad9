package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// testKey is a deterministic key for tests: 32 bytes of b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func testRing(t testing.TB, keys ...Key) *Keyring {
	t.Helper()
	r, err := NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	r := testRing(t, Key{ID: "k1", Secret: testKey(1)})
	for _, plain := range []string{"", "s3cr3t", strings.Repeat("é", 1000), "\x00\xff"} {
		s, err := r.Seal(plain, "tenant:acme:webhook.secret")
		if err != nil {
			t.Fatal(err)
		}
		if !IsSealed(s) || !strings.HasPrefix(s, "sealed:v1:k1:") {
			t.Fatalf("sealed form %q", s)
		}
		if plain != "" && strings.Contains(s, plain) {
			t.Fatalf("plaintext visible in %q", s)
		}
		got, err := r.Open(s, "tenant:acme:webhook.secret")
		if err != nil || got != plain {
			t.Fatalf("open = %q, %v; want %q", got, err, plain)
		}
	}
}

func TestSealIsRandomized(t *testing.T) {
	r := testRing(t, Key{ID: "k1", Secret: testKey(1)})
	a, _ := r.Seal("same", "aad")
	b, _ := r.Seal("same", "aad")
	if a == b {
		t.Fatal("two seals of one plaintext are equal: nonce reused")
	}
}

func TestRotation(t *testing.T) {
	old := testRing(t, Key{ID: "k1", Secret: testKey(1)})
	sealedOld, err := old.Seal("kept", "rec:a")
	if err != nil {
		t.Fatal(err)
	}
	rotated := testRing(t, Key{ID: "k2", Secret: testKey(2)}, Key{ID: "k1", Secret: testKey(1)})
	if got, err := rotated.Open(sealedOld, "rec:a"); err != nil || got != "kept" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	sealedNew, _ := rotated.Seal("new", "rec:a")
	if id, _ := KeyID(sealedNew); id != "k2" {
		t.Fatalf("sealed with %q, want the active k2", id)
	}
	if _, err := old.Open(sealedNew, "rec:a"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old ring opened a k2 value: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	secret := "do-not-leak-me"
	r := testRing(t, Key{ID: "k1", Secret: testKey(1)})
	s, _ := r.Seal(secret, "tenant:a:f")
	id, enc, _ := strings.Cut(strings.TrimPrefix(s, prefix), ":")
	box, _ := b64.DecodeString(enc)
	box[len(box)/2] ^= 1
	tampered := prefix + id + ":" + b64.EncodeToString(box)
	otherKey := testRing(t, Key{ID: "k1", Secret: testKey(9)})

	cases := []struct {
		name, value, aad string
		ring             *Keyring
		want             error
	}{
		{"wrong aad", s, "tenant:b:f", r, ErrTampered},
		{"other field", s, "tenant:a:g", r, ErrTampered},
		{"tampered byte", tampered, "tenant:a:f", r, ErrTampered},
		{"same id other key", s, "tenant:a:f", otherKey, ErrTampered},
		{"unknown kid", strings.Replace(s, ":k1:", ":k7:", 1), "tenant:a:f", r, ErrUnknownKey},
		{"not sealed", "plain", "tenant:a:f", r, ErrMalformed},
		{"bad base64", prefix + "k1:***", "tenant:a:f", r, ErrMalformed},
		{"too short", prefix + "k1:AAAA", "tenant:a:f", r, ErrMalformed},
		{"no kid", prefix + enc, "tenant:a:f", r, ErrMalformed},
	}
	for _, c := range cases {
		_, err := c.ring.Open(c.value, c.aad)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error reveals the plaintext: %v", c.name, err)
		}
	}
}

// parseCases feed TestParseKeys and the FuzzParseKeys seeds.
var (
	key1  = base64.StdEncoding.EncodeToString(testKey(1))
	key2  = base64.RawURLEncoding.EncodeToString(testKey(0xfb))
	key3  = base64.StdEncoding.EncodeToString(testKey(3))
	short = base64.StdEncoding.EncodeToString(testKey(1)[:16])

	parseCases = []struct {
		name, in string
		ids      []string // nil: an error
		want     error
	}{
		{"one", "k1:" + key1, []string{"k1"}, nil},
		{"two", "k2:" + key2 + ",k1:" + key1, []string{"k2", "k1"}, nil},
		{"spaces", " k2:" + key2 + " , k1:" + key1 + " ", []string{"k2", "k1"}, nil},
		{"bare", key1, []string{DeriveID(testKey(1))}, nil},
		{"bare and named", "new:" + key3 + "," + key1, []string{"new", DeriveID(testKey(1))}, nil},
		{"unpadded std", "k1:" + strings.TrimRight(key1, "="), []string{"k1"}, nil},
		{"empty", "", nil, ErrNoKeys},
		{"blank", "  ", nil, ErrNoKeys},
		{"empty entry", "k1:" + key1 + ",", nil, ErrKeyEncoding},
		{"short key", "k1:" + short, nil, ErrKeySize},
		{"bad base64", "k1:not*base64", nil, ErrKeyEncoding},
		{"duplicate id", "k1:" + key1 + ",k1:" + key3, nil, ErrDuplicateID},
		{"duplicate derived", key1 + "," + key1, nil, ErrDuplicateID},
		{"bad id", "k 1:" + key1, nil, ErrKeyID},
		{"empty id", ":" + key1, nil, ErrKeyID},
	}
)

func TestParseKeys(t *testing.T) {
	for _, c := range parseCases {
		r, err := ParseKeys(c.in)
		if c.ids == nil {
			if !errors.Is(err, c.want) {
				t.Errorf("%s: error %v, want %v", c.name, err, c.want)
			}
			if err != nil && (strings.Contains(err.Error(), key1) || strings.Contains(err.Error(), key3)) {
				t.Errorf("%s: error reveals a key: %v", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := r.IDs(); strings.Join(got, ",") != strings.Join(c.ids, ",") || r.ActiveID() != c.ids[0] {
			t.Errorf("%s: ids %v active %s, want %v", c.name, got, r.ActiveID(), c.ids)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	s, err := GenerateKey("k9")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseKeys(s)
	if err != nil || r.ActiveID() != "k9" {
		t.Fatalf("generated key %v, %v", r, err)
	}
	if _, err := GenerateKey("bad:id"); !errors.Is(err, ErrKeyID) {
		t.Fatalf("bad id: %v", err)
	}
}
